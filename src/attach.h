/*-------------------------------------------------------------------------
 *
 * attach.h
 *	  A registry that lives in orchestrator-core's own tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_ATTACH_H
#define WR_ATTACH_H

#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

/*
 * The schema whose orchestrator-core tables are the registry, or NULL when
 * the registry is the extension's own tables; and a number that changes
 * whenever that may have changed, for the plans built for it.
 */
extern const char *wr_attached_schema(void);
extern Oid	wr_attached_owner(void);
extern uint64 wr_attachment_generation(void);

extern const char *wr_attached_table(const char *schema, const char *table);
extern void wr_refuse_attached(const char *function);
extern void wr_check_attachment_usable(void);

extern void wr_attach(const char *schema, ArrayType *default_workflows,
					  Tuplestorestate *out, TupleDesc outdesc);
extern void wr_detach(void);
extern void wr_drop_attachment(void);
extern void wr_link_new_product(FunctionCallInfo fcinfo);

#endif							/* WR_ATTACH_H */
