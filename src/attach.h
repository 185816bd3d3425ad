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

/*
 * The statements on attached tables share two rules, written once here.
 * WR_RECORD_ATTACHED records what a SELECT of (workflow_id, product_type,
 * product_tag, is_default) gives in attached_workflows, replacing an older
 * record of the workflow (a row orchestrator-core soft-deleted itself may
 * still have one).  WR_REVIVE_SOFT_DELETED ends an INSERT into
 * orchestrator-core's workflows w: a soft-deleted row of the name comes
 * back with the new definition (its processes keep their workflow); a row
 * that is not soft-deleted is left alone and not returned.
 */
#define WR_RECORD_ATTACHED(select) \
	" INSERT INTO workflow_registry.attached_workflows AS m" \
	" (workflow_id, product_type, product_tag, is_default) " select \
	" ON CONFLICT (workflow_id) DO UPDATE SET product_type = EXCLUDED.product_type," \
	" product_tag = EXCLUDED.product_tag, is_default = EXCLUDED.is_default"

#define WR_REVIVE_SOFT_DELETED(w) \
	" ON CONFLICT (name) DO UPDATE SET target = EXCLUDED.target," \
	" description = EXCLUDED.description, is_task = EXCLUDED.is_task," \
	" deleted_at = NULL WHERE " w ".deleted_at IS NOT NULL"
extern void wr_refuse_attached(const char *function);
extern void wr_check_attachment_usable(void);
extern void wr_check_not_suppressed(const char *table, int16 events,
									const char *what, const char *kind,
									const char *name);

extern void wr_attach(const char *schema, ArrayType *default_workflows,
					  Tuplestorestate *out, TupleDesc outdesc);
extern void wr_detach(void);
extern void wr_drop_attachment(void);
extern void wr_link_new_product(FunctionCallInfo fcinfo);

#endif							/* WR_ATTACH_H */
