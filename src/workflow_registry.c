/*-------------------------------------------------------------------------
 *
 * workflow_registry.c
 *	  SQL-callable entry points of the workflow_registry extension.
 *
 * Every SQL signature that a shipped script declares keeps its C symbol
 * here for good.  When a version changes what a function accepts, its
 * script points the function at a new symbol (create_workflow_1_1, ...), so
 * a database still on an older script keeps the behaviour that script
 * promised.
 *
 * The functions are not STRICT: a NULL argument is an error, not a silent
 * NULL result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "definition.h"
#include "fmgr.h"
#include "registry.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(create_workflow);
PG_FUNCTION_INFO_V1(create_workflow_1_1);
PG_FUNCTION_INFO_V1(create_workflow_1_2);
PG_FUNCTION_INFO_V1(create_task);
PG_FUNCTION_INFO_V1(delete_workflow);
PG_FUNCTION_INFO_V1(create_product);
PG_FUNCTION_INFO_V1(create_product_1_2);
PG_FUNCTION_INFO_V1(delete_product);

static Datum create_workflow_internal(FunctionCallInfo fcinfo,
									  WrApiVersion api);
static Datum create_product_internal(FunctionCallInfo fcinfo,
									 WrApiVersion api);

/* create_workflow(workflow jsonb) RETURNS uuid, as of 1.0 */
Datum
create_workflow(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_0);
}

/* ... as of 1.1: is_task */
Datum
create_workflow_1_1(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_1);
}

/* ... as of 1.2: product_tag */
Datum
create_workflow_1_2(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_2);
}

static Datum
create_workflow_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	WorkflowDef def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

	if (PG_ARGISNULL(0))
		wr_report_null_argument("workflow definition", "create_workflow");

	wr_parse_workflow(PG_GETARG_JSONB_P(0), api, &def);
	wr_register_workflow(&def, api, id);
	PG_RETURN_UUID_P(id);
}

/* create_task(task jsonb) RETURNS uuid, as of 1.1 */
Datum
create_task(PG_FUNCTION_ARGS)
{
	WorkflowDef def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

	if (PG_ARGISNULL(0))
		wr_report_null_argument("task definition", "create_task");

	wr_parse_task(PG_GETARG_JSONB_P(0), WR_API_1_1, &def);
	wr_register_workflow(&def, WR_API_1_1, id);
	PG_RETURN_UUID_P(id);
}

/* delete_workflow(name text, if_exists boolean DEFAULT false) RETURNS void */
Datum
delete_workflow(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		wr_report_null_argument("workflow name", "delete_workflow");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("if_exists", "delete_workflow");

	wr_unregister_workflow(text_to_cstring(PG_GETARG_TEXT_PP(0)),
						   PG_GETARG_BOOL(1));
	PG_RETURN_VOID();
}

/* create_product(product jsonb) RETURNS uuid, as of 1.0 */
Datum
create_product(PG_FUNCTION_ARGS)
{
	return create_product_internal(fcinfo, WR_API_1_0);
}

/* ... as of 1.2: link only to workflows whose product_tag matches */
Datum
create_product_1_2(PG_FUNCTION_ARGS)
{
	return create_product_internal(fcinfo, WR_API_1_2);
}

static Datum
create_product_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ProductDef	def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));

	if (PG_ARGISNULL(0))
		wr_report_null_argument("product definition", "create_product");

	wr_parse_product(PG_GETARG_JSONB_P(0), api, &def);
	wr_register_product(&def, api, id);
	PG_RETURN_UUID_P(id);
}

/* delete_product(name text) RETURNS void */
Datum
delete_product(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		wr_report_null_argument("product name", "delete_product");

	wr_unregister_product(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}
