/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  Data migrations: apply_migration() and revert_migration().
 *
 * A data migration is a version, a description and a list of steps.  All
 * steps are read and checked before the first one runs; they then run in
 * order in the caller's transaction, so either all of them take effect or
 * none.  The ledger row records a checksum of the normalised steps, the
 * versions the migration requires, what each step touched, and the undo
 * entries that let revert_migration() restore the registry exactly.
 *
 * Applying and reverting take a lock on the ledger table that conflicts
 * with itself, so migrations are applied one at a time and the checks of
 * "requires" and of dependants see a settled ledger.  Then, before the
 * first step or undo entry locks or writes a row, they take every
 * product-type lock the steps or entries need, in the order links.c's
 * header gives: a step that took its lock when it ran, after the rows of
 * the steps before it, deadlocked with a create_product that held the
 * type and waited for one of those rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "definition.h"
#include "ledger.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "mb/pg_wchar.h"
#include "message.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "spi.h"
#include "tables.h"
#include "undo.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#define WR_MAX_VERSION_CHARS 255

typedef enum WrStepKind
{
	STEP_CREATE_WORKFLOW,
	STEP_CREATE_TASK,
	STEP_DELETE_WORKFLOW,
	STEP_UPDATE_WORKFLOW,
	STEP_CREATE_PRODUCT,
	STEP_DELETE_PRODUCT,
	STEP_UPDATE_WORKFLOWS		/* 1.11 */
} WrStepKind;

static const char *const step_names[] = {
	"create_workflow", "create_task", "delete_workflow", "update_workflow",
	"create_product", "delete_product", "update_workflows"
};

/* What the steps are, for messages, by the version that reads them. */
#define STEP_LIST(api, last) \
	((api) >= WR_API_1_11 ? \
	 "create_workflow, create_task, delete_workflow, update_workflow, update_workflows, create_product " last " delete_product" : \
	 "create_workflow, create_task, delete_workflow, update_workflow, create_product " last " delete_product")

/*
 * One step, read and checked.  An update_workflows step becomes one
 * update_workflow step per workflow its pattern matches when the migration
 * runs (expand_patterns); each keeps the position of the step it came from.
 */
typedef struct WrStep
{
	WrStepKind	kind;
	const char *name;			/* the workflow or product it is about; the
								 * pattern of update_workflows */
	WorkflowDef workflow;		/* create_workflow, create_task, updates */
	uint32		given;			/* updates: WR_UPDATE_* bits */
	ProductDef	product;		/* create_product */
	int			position;		/* in the migration's steps */
	bool		from_pattern;	/* expanded from update_workflows */
} WrStep;

typedef enum WrLedgerStatement
{
	LEDGER_LOCK,
	LEDGER_LOOKUP,
	LEDGER_MISSING_REQUIREMENT,
	LEDGER_INSERT,
	LEDGER_FIND_APPLIED,
	LEDGER_DEPENDANT,
	LEDGER_MARK_REVERTED,
	LEDGER_MATCHING_NAMES
} WrLedgerStatement;

static char *attached_matching_names(const char *schema);

static const WrStatement ledger_sql[] = {
	[LEDGER_LOCK] = {
		.sql = "LOCK TABLE workflow_registry.migrations IN SHARE ROW EXCLUSIVE MODE",
		.nargs = 0
	},
	/* the checksum of the steps, and the applied row of the version */
	[LEDGER_LOOKUP] = {
		.sql = "SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to("
		" $2::pg_catalog.text, 'UTF8')), 'hex'), m.kind, m.checksum"
		" FROM (VALUES (1)) AS one"
		" LEFT JOIN workflow_registry.migrations AS m"
		" ON m.version OPERATOR(pg_catalog.=) $1 AND m.reverted_at IS NULL",
		.nargs = 2, .argtypes = {TEXTOID, JSONBOID}
	},
	/* the first required version that is not applied */
	[LEDGER_MISSING_REQUIREMENT] = {
		.sql = "SELECT r.v FROM pg_catalog.unnest($1) WITH ORDINALITY AS r(v, n)"
		" WHERE r.v IS NULL OR r.v OPERATOR(pg_catalog.=) $2 OR NOT EXISTS ("
		" SELECT FROM workflow_registry.migrations AS m"
		" WHERE m.version OPERATOR(pg_catalog.=) r.v AND m.reverted_at IS NULL)"
		" ORDER BY r.n LIMIT 1",
		.nargs = 2, .argtypes = {TEXTARRAYOID, TEXTOID}
	},
	[LEDGER_INSERT] = {
		.sql = "INSERT INTO workflow_registry.migrations"
		" (version, kind, description, checksum, requires, steps, undo, touches,"
		" applied_at, applied_by, execution_time)"
		" SELECT $1, 'data', $2,"
		" pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to("
		" $4::pg_catalog.text, 'UTF8')), 'hex'),"
		" $3, $4, pg_catalog.to_jsonb($5), $6, $7, $8,"
		" pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $7",
		.nargs = 8, .argtypes = {TEXTOID, TEXTOID, TEXTARRAYOID, JSONBOID,
		JSONBARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, NAMEOID}
	},
	[LEDGER_FIND_APPLIED] = {
		.sql = "SELECT m.kind, m.applied_at, m.undo, m.touches"
		" FROM workflow_registry.migrations AS m"
		" WHERE m.version OPERATOR(pg_catalog.=) $1 AND m.reverted_at IS NULL",
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* the first later migration that requires this one or touches what
	 * it touched */
	[LEDGER_DEPENDANT] = {
		.sql = "SELECT m.version, $1 OPERATOR(pg_catalog.=) ANY (m.requires),"
		" (SELECT t FROM pg_catalog.unnest(m.touches) AS t"
		" WHERE t OPERATOR(pg_catalog.=) ANY ($3)"
		" ORDER BY pg_catalog.starts_with(t, 'product_type:'), t LIMIT 1)"
		" FROM workflow_registry.migrations AS m"
		" WHERE m.kind OPERATOR(pg_catalog.=) 'data' AND m.reverted_at IS NULL"
		" AND m.applied_at OPERATOR(pg_catalog.>) $2"
		" AND ($1 OPERATOR(pg_catalog.=) ANY (m.requires)"
		" OR m.touches OPERATOR(pg_catalog.&&) $3)"
		" ORDER BY m.applied_at LIMIT 1",
		.nargs = 3, .argtypes = {TEXTOID, TIMESTAMPTZOID, TEXTARRAYOID}
	},
	[LEDGER_MARK_REVERTED] = {
		.sql = "UPDATE workflow_registry.migrations"
		" SET reverted_at = pg_catalog.clock_timestamp(), reverted_by = $2"
		" WHERE version OPERATOR(pg_catalog.=) $1 AND reverted_at IS NULL",
		.nargs = 2, .argtypes = {TEXTOID, NAMEOID}
	},
	/*
	 * The workflows whose name is LIKE $1, in name order, as they will be
	 * when the step runs: those registered now and those the steps before it
	 * create ($2), less those they delete ($3).
	 */
	[LEDGER_MATCHING_NAMES] = {
		.sql = "SELECT n.name FROM ("
		" SELECT w.name::pg_catalog.text AS name FROM workflow_registry.workflows AS w"
		" UNION SELECT pg_catalog.unnest($2)) AS n"
		" WHERE n.name OPERATOR(pg_catalog.~~) $1"
		" AND n.name OPERATOR(pg_catalog.<>) ALL ($3)"
		" ORDER BY n.name COLLATE pg_catalog.\"C\"",
		.attached = attached_matching_names,
		.nargs = 3, .argtypes = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID}
	},
};

/*
 * Attached, every workflow of orchestrator-core's that is not soft-deleted:
 * one the registry does not manage is adopted by its update_workflow step
 * if it fits attach's rules, and refused with attach's reason if not.
 */
static char *
attached_matching_names(const char *schema)
{
	return psprintf("SELECT n.name FROM ("
					" SELECT w.name::pg_catalog.text AS name FROM %s AS w"
					" WHERE w.deleted_at IS NULL"
					" UNION SELECT pg_catalog.unnest($2)) AS n"
					" WHERE n.name OPERATOR(pg_catalog.~~) $1"
					" AND n.name OPERATOR(pg_catalog.<>) ALL ($3)"
					" ORDER BY n.name COLLATE pg_catalog.\"C\"",
					wr_attached_table(schema, "workflows"));
}

static WrStatements statements = WR_STATEMENTS(ledger_sql);

/* The name of the role that called us, not the owner we run as. */
static Datum
caller_name(void)
{
	return DirectFunctionCall1(namein,
							   CStringGetDatum(GetUserNameFromId(GetOuterUserId(),
																 false)));
}

/* Raise an error unless version can name a data migration. */
void
wr_check_migration_version(const char *version)
{
	int			len = strlen(version);
	bool		numeric = len > 0;
	int			dots = 0;

	if (len == 0 || pg_mbstrlen(version) > WR_MAX_VERSION_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration version must have 1 to %d characters",
						WR_MAX_VERSION_CHARS),
				 errdetail("The version given has %d characters.",
						   pg_mbstrlen(version)),
				 errhint("Use the migration's revision id, e.g. \"8040c515d356\".")));

	for (const char *p = version; *p; p++)
	{
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			numeric = false;
	}
	if (numeric && dots == 1 && version[0] != '.' && version[len - 1] != '.')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration version \"%s\" looks like a version of the extension",
						version),
				 errdetail("Versions of the form N.N belong to workflow_registry's own upgrades, which share the ledger."),
				 errhint("Use the migration's revision id, e.g. \"8040c515d356\".")));

	/*
	 * attach_orchestrator_core() and import_orchestrator_core() name their
	 * migrations so; a user's "attach-sso" would be taken for an attachment.
	 */
	if (strncmp(version, "attach-", 7) == 0 || strncmp(version, "import-", 7) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration version \"%s\" is reserved", wr_clip(version)),
				 errdetail("Versions that start with \"attach-\" or \"import-\" belong to the migrations of attach_orchestrator_core() and import_orchestrator_core(), which share the ledger."),
				 errhint("Use the migration's revision id, e.g. \"8040c515d356\".")));
}

/* Read one step; errors carry the step context. */
static void
parse_step(JsonbValue *elem, WrApiVersion api, WrStep *step,
		   WrItemContext *ctx)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	int			nkeys = 0;
	int			kind = -1;

	if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data) ||
		JsonContainerSize(elem->val.binary.data) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a migration step must be a JSON object with exactly one key"),
				 errdetail("The key names what the step does: %s.",
						   STEP_LIST(api, "or")),
				 errhint("Write the step as {\"create_workflow\": {...}} or {\"delete_workflow\": \"name\"}.")));

	it = JsonbIteratorInit(elem->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		nkeys++;
	}
	Assert(nkeys == 1);
	ctx->name = wr_item_name(&v);

	for (int i = 0; i < (int) lengthof(step_names); i++)
	{
		if (strcmp(key, step_names[i]) == 0)
			kind = i;
	}
	if (kind < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown migration step \"%s\"", wr_clip(key)),
				 errdetail("A step is one of %s.", STEP_LIST(api, "and")),
				 errhint("Check the spelling of the step's key.")));
	if (kind == STEP_UPDATE_WORKFLOWS && api < WR_API_1_11)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("migration step \"%s\" needs workflow_registry 1.11 or later", key),
				 errdetail("The workflow_registry installed in this database is older than 1.11; its apply_migration() takes the steps of version %s.",
						   wr_api_version_name(api)),
				 errhint("Run ALTER EXTENSION workflow_registry UPDATE, or write one update_workflow step per workflow.")));

	step->kind = (WrStepKind) kind;
	ctx->kind = step_names[kind];

	if (step->kind == STEP_DELETE_WORKFLOW || step->kind == STEP_DELETE_PRODUCT)
	{
		if (v.type != jbvString || v.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the value of a %s step must be a non-empty string", ctx->kind),
					 errdetail("It is the name of the %s to delete.",
							   step->kind == STEP_DELETE_WORKFLOW ? "workflow" : "product"),
					 errhint("Write the step as {\"%s\": \"name\"}.", ctx->kind)));
		step->name = pnstrdup(v.val.string.val, v.val.string.len);
		ctx->name = step->name;
		return;
	}

	if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the value of a %s step must be a JSON object", ctx->kind),
				 errdetail("It is the definition that %s() would take.",
						   step->kind == STEP_UPDATE_WORKFLOW ||
						   step->kind == STEP_UPDATE_WORKFLOWS ? "create_workflow" : ctx->kind),
				 step->kind == STEP_UPDATE_WORKFLOWS ?
				 errhint("Write the step as {\"%s\": {\"name_like\": ...}}.", ctx->kind) :
				 errhint("Write the step as {\"%s\": {\"name\": ...}}.", ctx->kind)));

	{
		Jsonb	   *def = JsonbValueToJsonb(&v);

		switch (step->kind)
		{
			case STEP_CREATE_WORKFLOW:
				wr_parse_workflow(def, api, &step->workflow);
				step->name = step->workflow.name;
				break;
			case STEP_CREATE_TASK:
				wr_parse_task(def, api, &step->workflow);
				step->name = step->workflow.name;
				break;
			case STEP_UPDATE_WORKFLOW:
				step->given = wr_parse_workflow_update(def, api,
													   &step->workflow);
				step->name = step->workflow.name;
				break;
			case STEP_UPDATE_WORKFLOWS:
				step->given = wr_parse_workflows_update(def, api,
														&step->workflow);
				step->name = step->workflow.name;
				break;
			case STEP_CREATE_PRODUCT:
				wr_parse_product(def, api, &step->product);
				step->name = step->product.name;
				break;
			default:
				elog(ERROR, "unexpected migration step kind %d", kind);
		}
	}
	ctx->name = step->name;
}

/* The normalised step, as JSON text: defaults spelled out, keys fixed. */
static void
append_normalised(StringInfo buf, const WrStep *s)
{
	const WorkflowDef *w = &s->workflow;

	appendStringInfo(buf, "{\"%s\": ", step_names[s->kind]);
	switch (s->kind)
	{
		case STEP_DELETE_WORKFLOW:
		case STEP_DELETE_PRODUCT:
			escape_json(buf, s->name);
			break;
		case STEP_CREATE_WORKFLOW:
		case STEP_CREATE_TASK:
		case STEP_UPDATE_WORKFLOW:
		case STEP_UPDATE_WORKFLOWS:
			{
				bool		update = s->kind == STEP_UPDATE_WORKFLOW ||
					s->kind == STEP_UPDATE_WORKFLOWS;

				appendStringInfoString(buf, s->kind == STEP_UPDATE_WORKFLOWS ?
									   "{\"name_like\": " : "{\"name\": ");
				escape_json(buf, w->name);
				if (s->kind == STEP_CREATE_WORKFLOW ||
					(update && (s->given & WR_UPDATE_TARGET)))
				{
					appendStringInfoString(buf, ", \"target\": ");
					escape_json(buf, w->target);
				}
				if (!update || (s->given & WR_UPDATE_DESCRIPTION))
				{
					appendStringInfoString(buf, ", \"description\": ");
					escape_json(buf, w->description);
				}
				/* a default workflow (1.8) has none */
				if ((s->kind == STEP_CREATE_WORKFLOW && w->product_type) ||
					(update && (s->given & WR_UPDATE_PRODUCT_TYPE)))
				{
					/* an update clears it with null from 1.8 */
					appendStringInfoString(buf, ", \"product_type\": ");
					if (w->product_type)
						escape_json(buf, w->product_type);
					else
						appendStringInfoString(buf, "null");
				}
				if (s->kind == STEP_CREATE_WORKFLOW ||
					(update && (s->given & WR_UPDATE_IS_TASK)))
					appendStringInfo(buf, ", \"is_task\": %s",
									 w->is_task ? "true" : "false");
				if ((s->kind == STEP_CREATE_WORKFLOW && w->product_tag) ||
					(update && (s->given & WR_UPDATE_PRODUCT_TAG)))
				{
					appendStringInfoString(buf, ", \"product_tag\": ");
					if (w->product_tag)
						escape_json(buf, w->product_tag);
					else
						appendStringInfoString(buf, "null");
				}
				/* only when given, so a checksum from before 1.8 stays */
				if ((s->kind == STEP_CREATE_WORKFLOW && w->is_default) ||
					(update && (s->given & WR_UPDATE_DEFAULT)))
					appendStringInfo(buf, ", \"default\": %s",
									 w->is_default ? "true" : "false");
				appendStringInfoChar(buf, '}');
				break;
			}
		case STEP_CREATE_PRODUCT:
			{
				const ProductDef *p = &s->product;

				appendStringInfoString(buf, "{\"name\": ");
				escape_json(buf, p->name);
				appendStringInfoString(buf, ", \"description\": ");
				escape_json(buf, p->description);
				appendStringInfoString(buf, ", \"product_type\": ");
				escape_json(buf, p->product_type);
				appendStringInfoString(buf, ", \"tag\": ");
				escape_json(buf, p->tag);
				appendStringInfoString(buf, ", \"status\": ");
				escape_json(buf, p->status);
				appendStringInfoChar(buf, '}');
				break;
			}
	}
	appendStringInfoChar(buf, '}');
}

/* Names of what a step touched, for the dependants check of a revert. */
static void
add_touch(List **touches, const char *prefix, const char *value)
{
	if (value != NULL)
		*touches = lappend(*touches,
						   (void *) CStringGetTextDatum(psprintf("%s:%s", prefix, value)));
}

/* Run one step; returns its undo entry (0 for none) and records touches. */
static Datum
run_step(const WrStep *s, WrApiVersion api, List **touches)
{
	pg_uuid_t	id;
	bool		created;
	char	   *old_type = NULL;
	char	   *new_type = NULL;
	Datum		undo = (Datum) 0;

	switch (s->kind)
	{
		case STEP_CREATE_WORKFLOW:
		case STEP_CREATE_TASK:
			wr_register_workflow(&s->workflow, api, &id, &created);
			if (created)
				undo = wr_undo_entry_for_create(WR_UNDO_DELETE_WORKFLOW, &id, s->name,
												s->workflow.product_type);
			add_touch(touches, "workflow", s->name);
			add_touch(touches, "product_type", s->workflow.product_type);
			break;
		case STEP_DELETE_WORKFLOW:
			undo = wr_unregister_workflow_undoably(s->name, &old_type);
			add_touch(touches, "workflow", s->name);
			add_touch(touches, "product_type", old_type);
			break;
		case STEP_UPDATE_WORKFLOW:
			undo = wr_update_workflow_undoably(&s->workflow, s->given, api,
											   &old_type, &new_type);
			add_touch(touches, "workflow", s->name);
			add_touch(touches, "product_type", old_type);
			if (new_type && (!old_type || strcmp(old_type, new_type) != 0))
				add_touch(touches, "product_type", new_type);
			break;
		case STEP_CREATE_PRODUCT:
			wr_register_product(&s->product, api, &id, &created);
			if (created)
				undo = wr_undo_entry_for_create(WR_UNDO_DELETE_PRODUCT, &id, s->name,
												s->product.product_type);
			add_touch(touches, "product", s->name);
			add_touch(touches, "product_type", s->product.product_type);
			break;
		case STEP_DELETE_PRODUCT:
			undo = wr_unregister_product_undoably(s->name, &old_type);
			add_touch(touches, "product", s->name);
			add_touch(touches, "product_type", old_type);
			break;
		case STEP_UPDATE_WORKFLOWS:
			elog(ERROR, "update_workflows step was not expanded");
	}
	return undo;
}

/*
 * The names of the workflows that the steps before "upto" create (with
 * created) or delete (without), as a text[]; a name that a later one of
 * those steps creates or deletes again is left to that step.
 */
static Datum
names_before(const WrStep *steps, int upto, bool created)
{
	ArrayBuildState *names = initArrayResult(TEXTOID, CurrentMemoryContext, true);

	for (int j = 0; j < upto; j++)
	{
		bool		creates = steps[j].kind == STEP_CREATE_WORKFLOW ||
			steps[j].kind == STEP_CREATE_TASK;
		bool		deletes = steps[j].kind == STEP_DELETE_WORKFLOW;
		bool		later = false;

		if (!(created ? creates : deletes))
			continue;
		/* a later step that undoes this one decides */
		for (int k = j + 1; k < upto && !later; k++)
			later = (steps[k].kind == STEP_CREATE_WORKFLOW ||
					 steps[k].kind == STEP_CREATE_TASK ||
					 steps[k].kind == STEP_DELETE_WORKFLOW) &&
				strcmp(steps[k].name, steps[j].name) == 0;
		if (!later)
			accumArrayResult(names, CStringGetTextDatum(steps[j].name), false,
							 TEXTOID, CurrentMemoryContext);
	}
	return makeArrayResult(names, CurrentMemoryContext);
}

/*
 * Replace each update_workflows step by one update_workflow step per
 * workflow whose name is LIKE its pattern when it runs, in name order: the
 * registered ones, and those the steps before it create, less those they
 * delete.  Return the new array and, in *nsteps, its length.  A pattern
 * that matches no workflow is an error, as an update_workflow step of an
 * unknown name is.  The names are read before any lock is taken, as
 * lock_step_types reads types: a workflow registered meanwhile by another
 * transaction is not updated, and one deleted meanwhile is missing when
 * its step runs.  The caller is connected to SPI; the new array is in the
 * caller's memory context.
 */
static WrStep *
expand_patterns(WrStep *steps, int *nsteps, const char *of_migration)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *expanded = NIL;
	WrStep	   *result;
	int			n = 0;
	ListCell   *lc;
	WrItemContext ctx;

	wr_push_item_context(&ctx, "steps", of_migration);
	for (int i = 0; i < *nsteps; i++)
	{
		Datum		values[3];

		if (steps[i].kind != STEP_UPDATE_WORKFLOWS)
		{
			expanded = lappend(expanded, &steps[i]);
			continue;
		}

		ctx.index = steps[i].position;
		ctx.kind = step_names[STEP_UPDATE_WORKFLOWS];
		ctx.name = steps[i].name;
		values[0] = CStringGetTextDatum(steps[i].name);
		values[1] = names_before(steps, i, true);
		values[2] = names_before(steps, i, false);
		wr_execute(&statements, LEDGER_MATCHING_NAMES, values, NULL);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("no workflow matches \"%s\"", wr_clip(steps[i].name)),
					 errdetail("An update_workflows step updates every registered workflow whose name is LIKE its pattern, and no name is."),
					 errhint("Check the pattern: %% matches any characters and _ any one character.")));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			WrStep	   *one = MemoryContextAlloc(callercxt, sizeof(WrStep));

			*one = steps[i];
			one->kind = STEP_UPDATE_WORKFLOW;
			one->from_pattern = true;
			one->name = one->workflow.name =
				MemoryContextStrdup(callercxt,
									SPI_getvalue(SPI_tuptable->vals[r],
												 SPI_tuptable->tupdesc, 1));
			expanded = lappend(expanded, one);
		}
	}
	wr_pop_item_context(&ctx);

	result = MemoryContextAlloc(callercxt, Max(list_length(expanded), 1) * sizeof(WrStep));
	foreach(lc, expanded)
		result[n++] = *(WrStep *) lfirst(lc);
	*nsteps = n;
	return result;
}

/*
 * The lock order (links.c): every product-type lock the steps take, before
 * the first step runs.  A step that names a workflow or product without
 * its type (delete_*, update_workflow) locks the type registered now; any
 * other type it could find when it runs is one that another step of the
 * migration gives that name, and so locked too.  Steps that add or remove
 * products lock their type exclusively, the others in share mode.  The
 * caller is connected to SPI.
 */
static void
lock_step_types(const WrStep *steps, int nsteps, WrApiVersion api)
{
	WrTypeLock *locks = palloc(Max(2 * nsteps, 1) * sizeof(WrTypeLock));
	int			n = 0;
	bool		defaults = false;
	bool		products = false;

	for (int i = 0; i < nsteps; i++)
	{
		const WrStep *s = &steps[i];
		const char *given = NULL;
		const char *registered = NULL;
		LOCKMODE	mode = ShareLock;
		bool		found = false;

		switch (s->kind)
		{
			case STEP_CREATE_WORKFLOW:
				given = s->workflow.product_type;
				defaults |= s->workflow.is_default;
				break;
			case STEP_CREATE_TASK:
				break;
			case STEP_UPDATE_WORKFLOW:
				if (s->given & WR_UPDATE_PRODUCT_TYPE)
					given = s->workflow.product_type;
				registered = wr_registered_type(true, s->name, &found);
				/* registered without a type: it may be a default workflow */
				defaults |= (found && registered == NULL) ||
					(s->given & WR_UPDATE_DEFAULT);
				break;
			case STEP_DELETE_WORKFLOW:
				registered = wr_registered_type(true, s->name, &found);
				defaults |= found && registered == NULL;
				break;
			case STEP_CREATE_PRODUCT:
				given = s->product.product_type;
				mode = ExclusiveLock;
				products = true;
				break;
			case STEP_DELETE_PRODUCT:
				registered = wr_registered_type(false, s->name, NULL);
				mode = ExclusiveLock;
				products = true;
				break;
			case STEP_UPDATE_WORKFLOWS:
				elog(ERROR, "update_workflows step was not expanded");
		}
		if (given)
			locks[n++] = (WrTypeLock) {given, mode};
		if (registered)
			locks[n++] = (WrTypeLock) {registered, mode};
	}
	wr_lock_product_types(locks, n);
	if (defaults || products)
		wr_lock_default_workflows(wr_default_lock_mode(defaults, products),
								  true, api);
}

/*
 * The same for a revert: the type of every undo entry (exclusive for one
 * that restores or deletes a product) and every type the migration touched,
 * which includes the new type of an updated workflow.  The caller is
 * connected to SPI.
 */
static void
lock_undo_types(const WrUndo *entries, int nentries, Datum touches,
				bool touches_null, WrApiVersion api)
{
	bool		defaults = false;
	bool		products = false;
	Datum	   *elems = NULL;
	bool	   *nulls;
	int			ntouches = 0;
	WrTypeLock *locks;
	int			n = 0;

	if (!touches_null)
		deconstruct_array(DatumGetArrayTypeP(touches), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &ntouches);
	locks = palloc(Max(nentries + ntouches, 1) * sizeof(WrTypeLock));
	for (int i = 0; i < nentries; i++)
	{
		const WrUndo *u = &entries[i];
		bool		product = u->op == WR_UNDO_RESTORE_PRODUCT ||
			u->op == WR_UNDO_DELETE_PRODUCT;

		if (u->product_type)
			locks[n++] = (WrTypeLock) {u->product_type, product ? ExclusiveLock : ShareLock};
		/* a workflow without a type may be a default one */
		if (product)
			products = true;
		else if (u->product_type == NULL && u->op != WR_UNDO_DETACH)
			defaults = true;
	}
	for (int i = 0; i < ntouches; i++)
	{
		char	   *t = nulls[i] ? NULL : TextDatumGetCString(elems[i]);

		if (t && strncmp(t, "product_type:", 13) == 0)
			locks[n++] = (WrTypeLock) {t + 13, ShareLock};
	}
	wr_lock_product_types(locks, n);
	if (defaults || products)
		wr_lock_default_workflows(wr_default_lock_mode(defaults, products),
								  true, api);
}

/*
 * Raise an error unless the undo entries can be run here.  An entry
 * written on an attached registry restores rows of orchestrator-core's
 * tables, one written on the extension's own tables rows of those: each
 * runs only on the registry it was written on.  Reverting the migration of
 * attach_orchestrator_core() detaches, which decides where every writer of
 * the registry writes: only the extension's owner may, as with
 * detach_orchestrator_core(), which reverts it after that check.
 */
static void
check_may_undo(const WrUndo *entries, int nentries, const char *version)
{
	Oid			extension = get_extension_oid("workflow_registry", false);
	const char *attached = wr_attached_schema();

	for (int i = 0; i < nentries; i++)
	{
		const char *schema = entries[i].schema;

		if (entries[i].op != WR_UNDO_DETACH)
		{
			if (schema != NULL && (attached == NULL || strcmp(schema, attached) != 0))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot revert migration \"%s\": it was applied to orchestrator-core's tables in schema \"%s\"",
								version, schema),
						 attached ?
						 errdetail("The registry is now orchestrator-core's tables in schema \"%s\".", attached) :
						 errdetail("The registry is now the extension's own tables."),
						 errhint("Revert it while the registry is attached to schema \"%s\".", schema)));
			if (schema == NULL && attached != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot revert migration \"%s\": it was applied to the extension's own tables",
								version),
						 errdetail("The registry is now orchestrator-core's tables in schema \"%s\".", attached),
						 errhint("Revert it after detach_orchestrator_core().")));
			continue;
		}
#if PG_VERSION_NUM >= 160000
		if (object_ownercheck(ExtensionRelationId, extension, GetOuterUserId()))
			continue;
#else
		if (pg_extension_ownercheck(extension, GetOuterUserId()))
			continue;
#endif
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to revert migration \"%s\"", version),
				 errdetail("It attached the registry to orchestrator-core's tables; reverting it detaches, which only the owner of extension \"workflow_registry\" may."),
				 errhint("Run detach_orchestrator_core() as that role.")));
	}
}

/* Raise an error unless the arguments of apply_migration() can be used. */
static void
check_migration_arguments(const char *version, const char *description,
						  Jsonb *steps, ArrayType *requires)
{
	wr_check_migration_version(version);
	if (*description == '\0' || pg_mbstrlen(description) > WR_MAX_DESCRIPTION_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration description must have 1 to %d characters",
						WR_MAX_DESCRIPTION_CHARS),
				 errdetail("The description given has %d characters.",
						   pg_mbstrlen(description)),
				 errhint("Say in a sentence what the migration does.")));
	if (!JB_ROOT_IS_ARRAY(steps) || JB_ROOT_IS_SCALAR(steps))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration steps must be a JSON array"),
				 errdetail("apply_migration() takes the steps as [{\"create_workflow\": {...}}, ...]."),
				 errhint("Wrap a single step in square brackets.")));
	if (ARR_NDIM(requires) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("requires must be a one-dimensional array of versions"),
				 errdetail("The array given has %d dimensions.", ARR_NDIM(requires)),
				 errhint("Write it as '{1.1, 8040c515d356}'.")));
}

/*
 * Read and check every step into parsed (an array of as many WrStep as
 * there are steps), and return the normalised steps as jsonb.
 */
static Datum
read_steps(Jsonb *steps, const char *of_migration, WrApiVersion api,
		   WrStep *parsed)
{
	int			nsteps = JB_ROOT_COUNT(steps);
	StringInfoData normalised;
	WrItemContext ctx;

	initStringInfo(&normalised);
	appendStringInfoChar(&normalised, '[');
	wr_push_item_context(&ctx, "steps", of_migration);
	for (int i = 0; i < nsteps; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&steps->root, i);

		ctx.index = i;
		ctx.kind = ctx.name = NULL;
		parse_step(elem, api, &parsed[i], &ctx);
		parsed[i].position = i;
		if (i > 0)
			appendStringInfoString(&normalised, ", ");
		append_normalised(&normalised, &parsed[i]);
	}
	wr_pop_item_context(&ctx);
	appendStringInfoChar(&normalised, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(normalised.data));
}

/*
 * Whether the version is applied with these (normalised) steps, which
 * makes applying it again a no-op; applied with other steps, or as a
 * version of the extension, it is an error.  The caller holds the ledger
 * lock and is connected to SPI.
 */
static bool
already_applied(const char *version, Datum normalised)
{
	Datum		values[2];
	char	   *checksum;
	char	   *applied_kind;
	char	   *applied_checksum;

	values[0] = CStringGetTextDatum(version);
	values[1] = normalised;
	wr_execute(&statements, LEDGER_LOOKUP, values, NULL);
	checksum = wr_result_text(1);
	applied_kind = wr_result_text(2);
	applied_checksum = wr_result_text(3);
	if (applied_kind == NULL)
		return false;

	if (strcmp(applied_kind, "extension") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("version \"%s\" is a version of the extension", version),
				 errhint("Give the data migration a version of its own.")));
	if (strcmp(applied_checksum, checksum) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("migration \"%s\" is already applied with different steps",
						version),
				 errdetail("The ledger has checksum %s; these steps have checksum %s.",
						   applied_checksum, checksum),
				 errhint("An applied migration must not be edited: put the changes in a new migration, or revert this one first with revert_migration().")));
	ereport(NOTICE,
			(errmsg("migration \"%s\" is already applied, skipping", version)));
	return true;
}

/*
 * Raise an error unless every version the migration requires is applied.
 * The caller holds the ledger lock and is connected to SPI.
 */
static void
check_requirements(const char *version, ArrayType *requires)
{
	Datum		values[2];
	char	   *missing;

	values[0] = PointerGetDatum(requires);
	values[1] = CStringGetTextDatum(version);
	wr_execute(&statements, LEDGER_MISSING_REQUIREMENT, values, NULL);
	if (SPI_processed == 0)
		return;

	missing = wr_result_text(1);
	if (missing == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("requires of migration \"%s\" contains a NULL", version),
				 errhint("List only versions.")));
	if (strcmp(missing, version) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration \"%s\" requires itself", version),
				 errhint("Remove \"%s\" from requires.", version)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("migration \"%s\" requires \"%s\", which is not applied",
					version, wr_clip(missing)),
			 errdetail("A migration runs only after every version it requires."),
			 errhint("Apply \"%s\" first; workflow_registry.migration_history lists what is applied.",
					 wr_clip(missing))));
}

/*
 * apply_migration: see the file header.  A version already applied with
 * the same checksum is a no-op with a NOTICE; with another checksum it is
 * an error.  The steps take the keys, and the registrations the columns,
 * of the given API version.
 */
void
wr_apply_migration(const char *version, const char *description,
				   Jsonb *steps, ArrayType *requires, WrApiVersion api)
{
	TimestampTz started = GetCurrentTimestamp();
	char	   *of_migration = psprintf(" of migration \"%s\"", version);
	int			nsteps;
	WrStep	   *parsed;
	Datum		normalised;
	WrItemContext ctx;
	List	   *undo = NIL;
	List	   *touches = NIL;

	check_migration_arguments(version, description, steps, requires);

	/* read and check every step before running any */
	nsteps = JB_ROOT_COUNT(steps);
	parsed = palloc0(Max(nsteps, 1) * sizeof(WrStep));
	normalised = read_steps(steps, of_migration, api, parsed);

	SPI_connect();
	wr_lock_ledger();
	if (already_applied(version, normalised))
	{
		SPI_finish();
		return;
	}
	check_requirements(version, requires);
	parsed = expand_patterns(parsed, &nsteps, of_migration);
	lock_step_types(parsed, nsteps, api);

	wr_push_item_context(&ctx, "steps", of_migration);
	for (int i = 0; i < nsteps; i++)
	{
		Datum		entry;

		ctx.index = parsed[i].position;
		ctx.kind = step_names[parsed[i].from_pattern ? STEP_UPDATE_WORKFLOWS :
							  parsed[i].kind];
		ctx.name = parsed[i].name;
		entry = run_step(&parsed[i], api, &touches);
		if (entry != (Datum) 0 && wr_attached_schema() != NULL)
			entry = wr_undo_entry_on_schema(entry, wr_attached_schema());
		if (entry != (Datum) 0)
			undo = lappend(undo, DatumGetPointer(entry));
	}
	wr_pop_item_context(&ctx);

	wr_record_migration(version, description, requires, normalised,
						undo, touches, started);
	SPI_finish();
}

/* Take the ledger lock (see the file header); the caller is connected to SPI. */
void
wr_lock_ledger(void)
{
	wr_execute(&statements, LEDGER_LOCK, NULL, NULL);
}

/*
 * Write the ledger row of a data migration applied by the caller, who holds
 * the ledger lock and is connected to SPI: undo is a list of jsonb undo
 * entries, touches a list of text datums.
 */
void
wr_record_migration(const char *version, const char *description,
					ArrayType *requires, Datum steps, List *undo,
					List *touches, TimestampTz started)
{
	Datum		values[8];

	values[0] = CStringGetTextDatum(version);
	values[1] = CStringGetTextDatum(description);
	values[2] = PointerGetDatum(requires);
	values[3] = steps;
	values[4] = wr_list_array(undo, JSONBOID);
	values[5] = wr_list_array(touches, TEXTOID);
	values[6] = TimestampTzGetDatum(started);
	values[7] = caller_name();
	wr_execute(&statements, LEDGER_INSERT, values, NULL);
	wr_notify_migration(version, "applied");
}

/*
 * revert_migration: undo a data migration that no later migration depends
 * on, and mark its ledger row reverted.
 */
void
wr_revert_migration(const char *version, WrApiVersion api)
{
	Datum		values[3];
	HeapTuple	row;
	TupleDesc	desc;
	char	   *kind;
	bool		isnull;
	bool		touches_null;
	WrUndo	   *entries;
	int			nentries;

	SPI_connect();
	wr_execute(&statements, LEDGER_LOCK, NULL, NULL);

	values[0] = CStringGetTextDatum(version);
	wr_execute(&statements, LEDGER_FIND_APPLIED, values, NULL);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("migration \"%s\" is not applied", wr_clip(version)),
				 errdetail("The ledger has no applied migration of that version."),
				 errhint("workflow_registry.migration_history lists what is applied.")));
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	kind = SPI_getvalue(row, desc, 1);
	if (strcmp(kind, "extension") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot revert version \"%s\" of the extension", version),
				 errdetail("Only data migrations can be reverted; PostgreSQL extensions have no downgrade scripts."),
				 errhint("Give a version that apply_migration() applied.")));

	values[1] = SPI_getbinval(row, desc, 2, &isnull);
	values[2] = SPI_getbinval(row, desc, 4, &touches_null);
	entries = wr_read_undo_entries(SPI_getbinval(row, desc, 3, &isnull),
								   version, &nentries);

	wr_execute(&statements, LEDGER_DEPENDANT, values, NULL);
	if (SPI_processed > 0)
	{
		char	   *dependant = SPI_getvalue(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1);
		bool		requires = strcmp(SPI_getvalue(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 2), "t") == 0;
		char	   *shared = SPI_getvalue(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 3);
		char	   *colon = shared ? strchr(shared, ':') : NULL;

		/* "product_type:User" reads as: product_type "User" */
		if (colon)
		{
			*colon = '\0';
			shared = psprintf("%s \"%s\"", shared, colon + 1);
		}

		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot revert migration \"%s\" because migration \"%s\" depends on it",
						version, dependant),
				 requires ?
				 errdetail("Migration \"%s\", applied later, requires \"%s\".",
						   dependant, version) :
				 errdetail("Migration \"%s\", applied later, also changed %s.",
						   dependant, shared),
				 errhint("Revert \"%s\" first.", dependant)));
	}

	check_may_undo(entries, nentries, version);
	lock_undo_types(entries, nentries, values[2], touches_null, api);
	for (int i = 0; i < nentries; i++)
		wr_undo(&entries[i], version, api);

	values[0] = CStringGetTextDatum(version);
	values[1] = caller_name();
	wr_execute(&statements, LEDGER_MARK_REVERTED, values, NULL);
	wr_notify_migration(version, "reverted");
	SPI_finish();
}
