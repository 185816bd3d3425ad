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
#include "storage/lockdefs.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"
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
} WrUndo;

extern void wr_register_workflow(const WorkflowDef *def, WrApiVersion api,
								 pg_uuid_t *id, bool *created);
extern void wr_unregister_workflow(const char *name, bool if_exists);
extern void wr_register_product(const ProductDef *def, WrApiVersion api,
								pg_uuid_t *id, bool *created);
extern void wr_unregister_product(const char *name);

/* Data migrations: each returns its undo entry as jsonb, or 0 for a no-op. */
extern Datum wr_unregister_workflow_undoably(const char *name, char **product_type);
extern Datum wr_unregister_product_undoably(const char *name, char **product_type);
extern Datum wr_update_workflow_undoably(const WorkflowDef *changes,
										 uint32 given, char **old_type,
										 char **new_type);
extern Datum wr_undo_entry_for_create(const char *op, const pg_uuid_t *id,
									  const char *name,
									  const char *product_type);
extern void wr_undo(const WrUndo *undo, const char *version);

extern const char *wr_workflow_columns(WrApiVersion api);
extern char *wr_product_tags(const char *product_type);
extern void wr_report_unlinked(const char *name, const char *product_type,
							   const char *product_tag, bool type_has_products);
extern bool wr_registered_workflow_matches(const WorkflowDef *def,
										   HeapTuple tup, TupleDesc desc,
										   int first, pg_uuid_t *id);
extern void wr_register_workflows(Jsonb *workflows, WrApiVersion api,
								  Tuplestorestate *out, TupleDesc outdesc);

extern SPIPlanPtr wr_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs,
							   Oid *argtypes);
extern void wr_execute_plan(SPIPlanPtr plan, Datum *values, const char *nulls);
extern void wr_lock_product_type(const char *product_type, LOCKMODE mode);

extern Datum wr_text_array(const char *const *strings, int n);
extern Datum wr_field_array(const void *structs, size_t size, int n,
							size_t offset);
extern Datum wr_list_array(List *list, Oid elemtype);

#endif							/* WR_REGISTRY_H */
