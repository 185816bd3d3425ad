/*-------------------------------------------------------------------------
 *
 * tables.h
 *	  Where the registry's tables are, and as whom they are read and
 *	  written (tables.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_TABLES_H
#define WR_TABLES_H

#include "storage/lockdefs.h"

/*
 * The schema whose orchestrator-core tables are the registry, or NULL when
 * the registry is the extension's own tables; the owner of those tables;
 * and a number that changes whenever either may have changed, for the
 * plans built for them.
 */
extern const char *wr_attached_schema(void);
extern Oid	wr_attached_owner(void);
extern uint64 wr_attachment_generation(void);
extern void wr_attachment_changed(void);
extern void wr_check_attachment_usable(void);
extern void wr_check_attachment_snapshot(void);
extern void wr_lock_attachment(LOCKMODE mode);

/* schema.table, quoted, for the statements built for an attachment */
extern const char *wr_attached_table(const char *schema, const char *table);

/*
 * The registry's tables, qualified and quoted: the extension's own
 * (schema NULL) or orchestrator-core's in the attached schema, for a
 * statement whose text is the same on both.
 */
typedef struct WrTables
{
	const char *workflows;
	const char *products;
	const char *links;			/* products_workflows */
} WrTables;

extern WrTables wr_registry_tables(const char *schema);
extern bool wr_attached_table_exists(const char *schema, const char *table);
extern char *wr_attached_lock_workflow(const char *schema, const char *match);
extern char *wr_attached_delete_workflow(const char *schema,
										 const char *match,
										 const char *entry,
										 const char *result);

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

extern void wr_check_not_suppressed(const char *table, int16 events,
									const char *what, const char *kind,
									const char *name);

/*
 * Statements on an attached registry run as the owner of orchestrator-core's
 * tables, in a security-restricted operation, with orchestrator-core's
 * search_path (its schema, then pg_catalog, then pg_temp), between
 * wr_become_owner and wr_leave_owner.
 */
typedef struct WrUserContext
{
	bool		switched;
	Oid			userid;
	int			sec_context;
	int			guc_nestlevel;
} WrUserContext;

extern void wr_become_owner(Oid owner, const char *schema,
							WrUserContext *saved);
extern void wr_leave_owner(const WrUserContext *saved);

#endif							/* WR_TABLES_H */
