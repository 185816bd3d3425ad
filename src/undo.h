/*-------------------------------------------------------------------------
 *
 * undo.h
 *	  The undo entries of data migrations: their format, and reverting them.
 *
 * Every write of a migration leaves an entry, a jsonb object that the
 * ledger keeps in its undo column and that revert_migration() runs last
 * first.  This header is the one place that knows the format: the key
 * "op" names one of the operations below (the names are stored, so they
 * never change), the other keys are the fields of WrUndo.  The entries of
 * rows a step deletes or changes are built inside the statements that
 * delete or change them (registry.c), with the macros here; the others by
 * the functions here; wr_read_undo_entries() alone reads them back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_UNDO_H
#define WR_UNDO_H

#include "api.h"
#include "utils/uuid.h"

typedef enum WrUndoOp
{
	WR_UNDO_DELETE_WORKFLOW,	/* the revert of a create: "id" */
	WR_UNDO_DELETE_PRODUCT,
	WR_UNDO_RESTORE_WORKFLOW,	/* the revert of a delete: "row", "links" */
	WR_UNDO_RESTORE_WORKFLOW_VALUES,	/* the revert of an update: "row", "links" */
	WR_UNDO_RESTORE_PRODUCT,	/* the revert of a delete: "row", "links" */
	WR_UNDO_DETACH				/* the revert of attach_orchestrator_core() */
} WrUndoOp;

/* The stored names of the operations, for the statements that write them. */
#define WR_UNDO_NAME_DELETE_WORKFLOW "delete_workflow"
#define WR_UNDO_NAME_DELETE_PRODUCT "delete_product"
#define WR_UNDO_NAME_RESTORE_WORKFLOW "restore_workflow"
#define WR_UNDO_NAME_RESTORE_WORKFLOW_VALUES "restore_workflow_values"
#define WR_UNDO_NAME_RESTORE_PRODUCT "restore_product"
#define WR_UNDO_NAME_DETACH "detach_orchestrator_core"

/*
 * SQL: the entry "op" (a WR_UNDO_NAME_) that restores workflow w: its row
 * image, and the products it is linked to in the links table.  Attached,
 * also its row m of attached_workflows and the product type recorded there
 * (orchestrator-core's row has none).
 */
#define WR_UNDO_WORKFLOW_ENTRY(op, w, links) \
	" pg_catalog.jsonb_build_object(" \
	" 'op', '" op "', 'name', " w ".name, 'row', pg_catalog.to_jsonb(" w ".*)," \
	" 'links', " WR_UNDO_LINKS("product_id", "workflow_id", w, links) ")"

#define WR_UNDO_ATTACHED_WORKFLOW_ENTRY(op, w, m, links) \
	" pg_catalog.jsonb_build_object(" \
	" 'op', '" op "', 'name', " w ".name, 'product_type', " m ".product_type," \
	" 'row', pg_catalog.to_jsonb(" w ".*), 'attached', pg_catalog.to_jsonb(" m ".*)," \
	" 'links', " WR_UNDO_LINKS("product_id", "workflow_id", w, links) ")"

/* SQL: the entry that restores product p, with the workflows linked to it. */
#define WR_UNDO_PRODUCT_ENTRY(p, links) \
	" pg_catalog.jsonb_build_object(" \
	" 'op', '" WR_UNDO_NAME_RESTORE_PRODUCT "', 'name', " p ".name," \
	" 'row', pg_catalog.to_jsonb(" p ".*)," \
	" 'links', " WR_UNDO_LINKS("workflow_id", "product_id", p, links) ")"

/* the ids of the other side of row r's links, sorted, as a jsonb array */
#define WR_UNDO_LINKS(other, own, r, links) \
	"COALESCE((SELECT pg_catalog.jsonb_agg(pw." other " ORDER BY pw." other ")" \
	" FROM " links " AS pw" \
	" WHERE pw." own " OPERATOR(pg_catalog.=) " r "." own "), '[]'::pg_catalog.jsonb)"

/* One entry, as wr_read_undo_entries() reads it back. */
typedef struct WrUndo
{
	WrUndoOp	op;
	const char *id;				/* delete_*: the id of the row created */
	const char *name;			/* for messages */
	const char *product_type;	/* whose lock to take */
	Datum		row;			/* restore_*: jsonb row image, or 0 */
	Datum		links;			/* restore_*: jsonb array of linked ids */
	Datum		attached;		/* attached restore_workflow*: jsonb row of
								 * attached_workflows, or 0 */
	const char *schema;			/* the attached schema it was written on, or
								 * NULL (ledger.c adds it) */
} WrUndo;

extern Datum wr_undo_entry_for_create(WrUndoOp op, const pg_uuid_t *id,
									  const char *name,
									  const char *product_type);
extern Datum wr_undo_entry_for_detach(void);
extern Datum wr_undo_entry_on_schema(Datum entry, const char *schema);
extern WrUndo *wr_read_undo_entries(Datum entries, const char *version,
									int *nentries);
extern void wr_undo(const WrUndo *undo, const char *version,
					WrApiVersion api);

#endif							/* WR_UNDO_H */
