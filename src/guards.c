/*-------------------------------------------------------------------------
 *
 * guards.c
 *	  What attaching puts on orchestrator-core's tables and gives their
 *	  owner, and taking it all away again: the part of attach that detach
 *	  (the undo of the attach migration) needs too.
 *
 * Every statement here that touches orchestrator-core's tables runs as
 * their owner (tables.c), planning included, whoever calls: the DBA who
 * attaches is a superuser, and that role's tables may carry its code.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "guards.h"
#include "miscadmin.h"
#include "tables.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* The names attach gives its guards on orchestrator-core's tables. */
#define TARGET_CHECK "workflow_registry_target"
#define LINK_TRIGGER "workflow_registry_link_new_product"

/*
 * Run a statement attach or detach builds from catalog names: on the
 * extension's own objects as the caller, or, given the owner of
 * orchestrator-core's tables in schema, as that owner (wr_become_owner):
 * every statement that touches those tables, planning included, runs as
 * their owner, whoever calls.
 */
void
wr_run_as(Oid owner, const char *schema, const char *sql, int nargs,
	   Oid *argtypes, Datum *values)
{
	WrUserContext saved = {.switched = false};
	int			ret;

	if (OidIsValid(owner))
		wr_become_owner(owner, schema, &saved);
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	wr_leave_owner(&saved);
	if (ret < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s",
			 SPI_result_code_string(ret));
}

static void
run(const char *sql)
{
	wr_run_as(InvalidOid, NULL, sql, 0, NULL, NULL);
}

/*
 * What the statements run as the tables' owner need of the extension's
 * objects: attached_workflows; and, for the trigger on products, its
 * function, which CREATE TRIGGER, run as that owner, may name only if it
 * may execute it (the function does nothing but on the attached products
 * table).  The caller is connected to SPI.
 */
void
wr_grant_tables_owner(Oid owner, bool trigger)
{
	const char *role = quote_identifier(GetUserNameFromId(owner, false));

	run(psprintf("GRANT USAGE ON SCHEMA workflow_registry TO %1$s;"
				 " GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_registry.attached_workflows TO %1$s",
				 role));
	if (trigger)
		run(psprintf("GRANT EXECUTE ON FUNCTION workflow_registry.link_new_product() TO %s",
					 role));
}

/*
 * The guards asked for on orchestrator-core's tables: a CHECK that a
 * target is a label of workflow_registry.target (validated unless a row
 * already breaks it), and the trigger that links the products
 * orchestrator-core inserts itself.
 */
void
wr_add_guards(const char *schema, Oid owner, bool target_check,
			  bool validate, bool trigger)
{
	if (target_check)
	{
		wr_run_as(owner, schema,
				  psprintf("ALTER TABLE %s ADD CONSTRAINT " TARGET_CHECK
						   " CHECK (workflow_registry.valid_target(target)) NOT VALID",
						   wr_attached_table(schema, "workflows")), 0, NULL, NULL);
		if (validate)
			wr_run_as(owner, schema,
					  psprintf("ALTER TABLE %s VALIDATE CONSTRAINT " TARGET_CHECK,
							   wr_attached_table(schema, "workflows")), 0, NULL, NULL);
	}
	if (trigger)
		wr_run_as(owner, schema,
				  psprintf("CREATE TRIGGER " LINK_TRIGGER " AFTER INSERT ON %s"
						   " FOR EACH ROW EXECUTE FUNCTION workflow_registry.link_new_product()",
						   wr_attached_table(schema, "products")), 0, NULL, NULL);
}

/* The owner of a relation that exists. */
static Oid
table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Drop the guards attach added and what it recorded; orchestrator-core's
 * rows stay as they are.  The caller holds the ledger lock: this is the
 * undo of the attach migration.
 */
void
wr_drop_attachment(void)
{
	const char *schema = wr_attached_schema();
	Oid			owner = wr_attached_owner();
	char	   *owner_name = GetUserNameFromId(owner, true);
	Oid			nspid;

	if (schema == NULL)
		return;
	SPI_connect();
	if (owner_name != NULL && !superuser_arg(owner))
		run(psprintf("REVOKE INSERT, UPDATE, DELETE ON workflow_registry.attached_workflows FROM %1$s;"
					 " REVOKE EXECUTE ON FUNCTION workflow_registry.link_new_product() FROM %1$s",
					 quote_identifier(owner_name)));

	/*
	 * Each guard there is dropped as the table's owner now, who may not be
	 * the one recorded: detach mends an attachment a restore without
	 * owners left unusable.
	 */
	nspid = get_namespace_oid(schema, true);
	if (OidIsValid(nspid))
	{
		Oid			workflows = get_relname_relid("workflows", nspid);
		Oid			products = get_relname_relid("products", nspid);

		if (OidIsValid(workflows) &&
			OidIsValid(get_relation_constraint_oid(workflows, TARGET_CHECK, true)))
			wr_run_as(table_owner(workflows), schema,
					  psprintf("ALTER TABLE %s DROP CONSTRAINT " TARGET_CHECK,
							   wr_attached_table(schema, "workflows")), 0, NULL, NULL);
		if (OidIsValid(products) &&
			OidIsValid(get_trigger_oid(products, LINK_TRIGGER, true)))
			wr_run_as(table_owner(products), schema,
					  psprintf("DROP TRIGGER " LINK_TRIGGER " ON %s",
							   wr_attached_table(schema, "products")), 0, NULL, NULL);
	}
	run("WITH a AS (DELETE FROM workflow_registry.attachment RETURNING 1)"
		" DELETE FROM workflow_registry.attached_workflows");
	wr_attachment_changed();
	SPI_finish();
}
