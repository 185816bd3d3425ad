/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  Writing validated definitions into the registry tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_REGISTRY_H
#define WR_REGISTRY_H

#include "definition.h"
#include "utils/uuid.h"

extern void wr_register_workflow(const WorkflowDef *def, WrApiVersion api,
								 pg_uuid_t *id);
extern void wr_unregister_workflow(const char *name, bool if_exists);
extern void wr_register_product(const ProductDef *def, WrApiVersion api,
								pg_uuid_t *id);
extern void wr_unregister_product(const char *name);

#endif							/* WR_REGISTRY_H */
