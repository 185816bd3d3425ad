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
#include "executor/spi.h"
#include "utils/uuid.h"

extern void wr_register_workflow(const WorkflowDef *def, WrApiVersion api,
								 pg_uuid_t *id, bool *created);
extern void wr_unregister_workflow(const char *name, bool if_exists);
extern void wr_register_product(const ProductDef *def, WrApiVersion api,
								pg_uuid_t *id, bool *created);
extern void wr_unregister_product(const char *name);
extern char *wr_registered_type(bool workflow, const char *name, bool *found);

/* Migration steps: each returns its undo entry as jsonb, or 0 for a no-op. */
extern Datum wr_unregister_workflow_undoably(const char *name,
											 char **product_type);
extern Datum wr_unregister_product_undoably(const char *name,
											char **product_type);
extern Datum wr_update_workflow_undoably(const WorkflowDef *changes,
										 uint32 given, WrApiVersion api,
										 char **old_type, char **new_type);

/* For create_workflows(), which registers many in one statement. */
extern const char *wr_workflow_columns(WrApiVersion api);
extern const char *wr_attached_workflow_columns(void);
extern void wr_report_workflow_id_taken(const char *name, const char *id,
										const char *holder, bool soft_deleted,
										const char *holder_id);
extern bool wr_registered_workflow_matches(const WorkflowDef *def,
										   HeapTuple tup, TupleDesc desc,
										   int first, pg_uuid_t *id);

#endif							/* WR_REGISTRY_H */
