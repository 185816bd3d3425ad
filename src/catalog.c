/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  OIDs of the extension's own objects, cached per backend.
 *
 * Registrations look up the schema, the target enum and the products table
 * on every call.  The OIDs are cached and the cache is dropped whenever
 * pg_namespace or pg_type changes (which includes dropping a table, as its
 * row type goes too), so DROP EXTENSION and CREATE EXTENSION within one
 * session are safe.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "message.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#define WR_SCHEMA "workflow_registry"

typedef struct WrCatalogCache
{
	bool		valid;
	Oid			target_typid;
	Oid			products_relid;
	Oid			attachment_relid;	/* InvalidOid before 1.7 */
} WrCatalogCache;

static WrCatalogCache wr_cache;
static bool wr_callbacks_registered = false;

static void wr_cache_invalidate(Datum arg, int cacheid, uint32 hashvalue);
static const WrCatalogCache *wr_catalog(void);
static void check_member(Oid classid, Oid objid, const char *kind,
						 const char *name, Oid extoid);
static char *target_labels(Oid typid);

static void
wr_cache_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	wr_cache.valid = false;
}

/*
 * Return the cached OIDs, looking them up first if anything may have
 * changed.  The cache is marked valid before the lookups, so that an
 * invalidation arriving during them is not lost.
 */
static const WrCatalogCache *
wr_catalog(void)
{
	Oid			nspid;

	if (wr_cache.valid)
		return &wr_cache;

	if (!wr_callbacks_registered)
	{
		CacheRegisterSyscacheCallback(NAMESPACEOID, wr_cache_invalidate,
									  (Datum) 0);
		CacheRegisterSyscacheCallback(TYPEOID, wr_cache_invalidate,
									  (Datum) 0);
		wr_callbacks_registered = true;
	}

	wr_cache.valid = true;
	nspid = get_namespace_oid(WR_SCHEMA, true);
	wr_cache.target_typid = OidIsValid(nspid) ?
		GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						CStringGetDatum("target"),
						ObjectIdGetDatum(nspid)) : InvalidOid;
	wr_cache.products_relid = OidIsValid(nspid) ?
		get_relname_relid("products", nspid) : InvalidOid;
	wr_cache.attachment_relid = OidIsValid(nspid) ?
		get_relname_relid("attachment", nspid) : InvalidOid;

	if (!OidIsValid(wr_cache.target_typid) ||
		!OidIsValid(wr_cache.products_relid))
	{
		wr_cache.valid = false;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"workflow_registry\" is not fully installed in this database"),
				 errdetail("The schema \"%s\", its type \"target\" or its table \"products\" is missing.",
						   WR_SCHEMA),
				 errhint("Run DROP EXTENSION workflow_registry and CREATE EXTENSION workflow_registry.")));
	}

	/*
	 * The functions run as the extension's owner and name their tables by
	 * schema, so make sure that what those names find now is the
	 * extension's own: a role that owns the schema (one created before
	 * CREATE EXTENSION) could otherwise rename it and put look-alike tables,
	 * with triggers, in its place.
	 */
	{
		Oid			extoid = get_extension_oid("workflow_registry", false);
		static const char *const tables[] = {
			"products", "workflows", "products_workflows", "migrations"
		};

		check_member(TypeRelationId, wr_cache.target_typid, "type", "target",
					 extoid);
		for (size_t i = 0; i < lengthof(tables); i++)
			check_member(RelationRelationId, get_relname_relid(tables[i], nspid),
						 "relation", tables[i], extoid);
	}
	return &wr_cache;
}

static void
check_member(Oid classid, Oid objid, const char *kind, const char *name,
			 Oid extoid)
{
	if (!OidIsValid(objid) || getExtensionOfObject(classid, objid) != extoid)
	{
		wr_cache.valid = false;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s \"%s.%s\" does not belong to extension \"workflow_registry\"",
						kind, WR_SCHEMA, name),
				 errdetail("The extension's objects were renamed or replaced; its functions write only into its own objects."),
				 errhint("Check who owns schema \"%s\" and what is in it, then reinstall the extension.",
						 WR_SCHEMA)));
	}
}

/*
 * Raise an error unless the extension's objects are in place and are its
 * own.  Every SQL-callable function calls this before it reads or writes
 * anything; it costs nothing while the cache is valid.
 */
void
wr_check_catalog(void)
{
	(void) wr_catalog();
}

/* The OID of workflow_registry.products, the class of our product locks. */
Oid
wr_products_relid(void)
{
	return wr_catalog()->products_relid;
}

/*
 * The OID of workflow_registry.attachment, or InvalidOid on a version
 * before 1.7, which cannot be attached.
 */
Oid
wr_attachment_relid(void)
{
	return wr_catalog()->attachment_relid;
}

/* Whether label is exactly a label of workflow_registry.target as installed. */
bool
wr_is_target_label(const char *label)
{
	return strlen(label) < NAMEDATALEN &&
		SearchSysCacheExists2(ENUMTYPOIDNAME,
							  ObjectIdGetDatum(wr_catalog()->target_typid),
							  CStringGetDatum(label));
}

/*
 * Raise an error unless label is exactly a label of workflow_registry.target
 * as installed, so the versions' enums decide and nothing is case-folded.
 */
void
wr_check_target(const char *label)
{
	Oid			typid = wr_catalog()->target_typid;
	bool		upper_exists = false;
	char	   *upper = NULL;

	if (wr_is_target_label(label))
		return;

	if (strlen(label) < NAMEDATALEN)
	{
		upper = pstrdup(label);
		for (char *p = upper; *p; p++)
			*p = pg_ascii_toupper((unsigned char) *p);
		upper_exists = strcmp(upper, label) != 0 &&
			SearchSysCacheExists2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid),
								  CStringGetDatum(upper));
	}

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid target \"%s\" in workflow definition",
					wr_clip(label)),
			 errdetail("The targets are %s.", target_labels(typid)),
			 upper_exists ?
			 errhint("Targets are upper case: write \"%s\".", upper) :
			 errhint("Use one of the targets, written exactly as above; a newer version of workflow_registry may know more.")));
}

/* "CREATE, MODIFY, TERMINATE and SYSTEM", in enum order. */
static char *
target_labels(Oid typid)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME,
										   ObjectIdGetDatum(typid));
	int			n = list->n_members;
	Form_pg_enum *labels = palloc(n * sizeof(Form_pg_enum));
	StringInfoData buf;

	for (int i = 0; i < n; i++)
		labels[i] = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);

	/* a handful of labels: insertion sort by enumsortorder */
	for (int i = 1; i < n; i++)
	{
		Form_pg_enum cur = labels[i];
		int			j = i - 1;

		while (j >= 0 && labels[j]->enumsortorder > cur->enumsortorder)
		{
			labels[j + 1] = labels[j];
			j--;
		}
		labels[j + 1] = cur;
	}

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, i == n - 1 ? " and " : ", ");
		appendStringInfoString(&buf, NameStr(labels[i]->enumlabel));
	}
	ReleaseSysCacheList(list);
	return buf.data;
}
