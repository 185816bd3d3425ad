/*-------------------------------------------------------------------------
 *
 * undo.h
 *	  The undo entries of data migrations, and reverting them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_UNDO_H
#define WR_UNDO_H

#include "api.h"
#include "utils/uuid.h"

/*
 * One entry of a data migration's undo list, as revert_migration() reads
 * it back from the ledger: what to do and the row images it needs.
 */
typedef struct WrUndo
{
	const char *op;				/* delete_workflow, restore_workflow, ... */
	const char *id;				/* delete_*: the id of the row created */
	const char *name;			/* for messages */
	const char *product_type;	/* whose lock to take */
	Datum		row;			/* restore_*: jsonb row image, or 0 */
	Datum		links;			/* restore_*: jsonb array of linked ids */
	Datum		attached;		/* attached restore_workflow*: jsonb row of
								 * attached_workflows, or 0 */
} WrUndo;

extern Datum wr_undo_entry_for_create(const char *op, const pg_uuid_t *id,
									  const char *name,
									  const char *product_type);
extern void wr_undo(const WrUndo *undo, const char *version,
					WrApiVersion api);

#endif							/* WR_UNDO_H */
