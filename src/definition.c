/*-------------------------------------------------------------------------
 *
 * definition.c
 *	  Read workflow, task and product definitions from jsonb.
 *
 * The input is treated as hostile: every key is checked against the list
 * of keys the installed SQL version knows, every value against its JSON
 * type and length, and every problem is reported as a user-facing error
 * that names the key, before anything is written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <stddef.h>

#include "catalog.h"
#include "definition.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "message.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

typedef enum WrValueKind
{
	WR_STRING,
	WR_STRING_OR_NULL,			/* null clears the value */
	WR_BOOLEAN
} WrValueKind;

/* One key a definition may carry, and where its value goes. */
typedef struct WrKeySpec
{
	const char *key;
	WrValueKind kind;
	bool		required;
	WrApiVersion since;			/* first SQL version that knows the key */
	int			max_chars;		/* strings only */
	size_t		offset;			/* of the char * or bool in the struct */
	const char *unless;			/* a boolean key whose true waives required */
	WrApiVersion null_since;	/* a WR_STRING that null clears from this
								 * version on; 0 for never */
} WrKeySpec;

typedef struct WrDefinitionSpec
{
	const char *what;			/* "workflow definition", for messages */
	const char *function;		/* the SQL function, for hints */
	const WrKeySpec *keys;
	int			nkeys;
} WrDefinitionSpec;

#define WR_MAX_KEYS 8

/*
 * The keys of a workflow definition.  The last, workflow_id, only
 * create_workflow() and create_workflows() take (registration_spec): a
 * migration step or a manifest entry describes a definition, and its id is
 * the registry's.
 */
static const WrKeySpec workflow_keys[] = {
	{"name", WR_STRING, true, WR_API_1_0, WR_MAX_NAME_CHARS,
	offsetof(WorkflowDef, name)},
	{"target", WR_STRING, true, WR_API_1_0, NAMEDATALEN - 1,
	offsetof(WorkflowDef, target)},
	{"description", WR_STRING, true, WR_API_1_0, WR_MAX_DESCRIPTION_CHARS,
	offsetof(WorkflowDef, description)},
	{"product_type", WR_STRING, true, WR_API_1_0, WR_MAX_PRODUCT_TYPE_CHARS,
	offsetof(WorkflowDef, product_type), "default"},
	{"is_task", WR_BOOLEAN, false, WR_API_1_1, 0,
	offsetof(WorkflowDef, is_task)},
	{"product_tag", WR_STRING, false, WR_API_1_2, WR_MAX_TAG_CHARS,
	offsetof(WorkflowDef, product_tag)},
	{"default", WR_BOOLEAN, false, WR_API_1_8, 0,
	offsetof(WorkflowDef, is_default)},
	{"workflow_id", WR_STRING, false, WR_API_1_11, WR_UUID_CHARS,
	offsetof(WorkflowDef, workflow_id)},
};

static const WrKeySpec task_keys[] = {
	{"name", WR_STRING, true, WR_API_1_1, WR_MAX_NAME_CHARS,
	offsetof(WorkflowDef, name)},
	{"description", WR_STRING, true, WR_API_1_1, WR_MAX_DESCRIPTION_CHARS,
	offsetof(WorkflowDef, description)},
};

static const WrKeySpec product_keys[] = {
	{"name", WR_STRING, true, WR_API_1_0, WR_MAX_NAME_CHARS,
	offsetof(ProductDef, name)},
	{"description", WR_STRING, true, WR_API_1_0, WR_MAX_DESCRIPTION_CHARS,
	offsetof(ProductDef, description)},
	{"product_type", WR_STRING, true, WR_API_1_0, WR_MAX_PRODUCT_TYPE_CHARS,
	offsetof(ProductDef, product_type)},
	{"tag", WR_STRING, true, WR_API_1_0, WR_MAX_TAG_CHARS,
	offsetof(ProductDef, tag)},
	{"status", WR_STRING, false, WR_API_1_0, WR_MAX_STATUS_CHARS,
	offsetof(ProductDef, status)},
};

/* An update_workflow step: the name, then only the keys that change.  The
 * order matches the WR_UPDATE_* bits. */
static const WrKeySpec workflow_update_keys[] = {
	{"name", WR_STRING, true, WR_API_1_3, WR_MAX_NAME_CHARS,
	offsetof(WorkflowDef, name)},
	{"target", WR_STRING, false, WR_API_1_3, NAMEDATALEN - 1,
	offsetof(WorkflowDef, target)},
	{"description", WR_STRING, false, WR_API_1_3, WR_MAX_DESCRIPTION_CHARS,
	offsetof(WorkflowDef, description)},
	{"product_type", WR_STRING, false, WR_API_1_3, WR_MAX_PRODUCT_TYPE_CHARS,
	offsetof(WorkflowDef, product_type), NULL, WR_API_1_8},
	{"is_task", WR_BOOLEAN, false, WR_API_1_3, 0,
	offsetof(WorkflowDef, is_task)},
	{"product_tag", WR_STRING_OR_NULL, false, WR_API_1_3, WR_MAX_TAG_CHARS,
	offsetof(WorkflowDef, product_tag)},
	{"default", WR_BOOLEAN, false, WR_API_1_8, 0,
	offsetof(WorkflowDef, is_default)},
};

static const WrDefinitionSpec workflow_update_spec = {
	"update_workflow step", "apply_migration", workflow_update_keys,
	lengthof(workflow_update_keys)
};

/*
 * An update_workflows step (1.11): the same changes for every workflow
 * whose name is LIKE a pattern, which takes the place of the name.
 */
static const WrKeySpec workflows_update_keys[] = {
	{"name_like", WR_STRING, true, WR_API_1_11, WR_MAX_NAME_CHARS,
	offsetof(WorkflowDef, name)},
	{"target", WR_STRING, false, WR_API_1_11, NAMEDATALEN - 1,
	offsetof(WorkflowDef, target)},
	{"description", WR_STRING, false, WR_API_1_11, WR_MAX_DESCRIPTION_CHARS,
	offsetof(WorkflowDef, description)},
	{"product_type", WR_STRING, false, WR_API_1_11, WR_MAX_PRODUCT_TYPE_CHARS,
	offsetof(WorkflowDef, product_type), NULL, WR_API_1_11},
	{"is_task", WR_BOOLEAN, false, WR_API_1_11, 0,
	offsetof(WorkflowDef, is_task)},
	{"product_tag", WR_STRING_OR_NULL, false, WR_API_1_11, WR_MAX_TAG_CHARS,
	offsetof(WorkflowDef, product_tag)},
	{"default", WR_BOOLEAN, false, WR_API_1_11, 0,
	offsetof(WorkflowDef, is_default)},
};

static const WrDefinitionSpec workflows_update_spec = {
	"update_workflows step", "apply_migration", workflows_update_keys,
	lengthof(workflows_update_keys)
};
/* A workflow as the code registers it, for check(). */
static const WrKeySpec code_workflow_keys[] = {
	{"name", WR_STRING, true, WR_API_1_4, WR_MAX_NAME_CHARS,
	offsetof(WorkflowDef, name)},
	{"target", WR_STRING, false, WR_API_1_4, NAMEDATALEN - 1,
	offsetof(WorkflowDef, target)},
	{"description", WR_STRING, false, WR_API_1_8, WR_MAX_DESCRIPTION_CHARS,
	offsetof(WorkflowDef, description)},
};

static const WrDefinitionSpec code_workflow_spec = {
	"code workflow", "check", code_workflow_keys, lengthof(code_workflow_keys)
};
static const WrDefinitionSpec workflow_spec = {
	"workflow definition", "create_workflow", workflow_keys,
	lengthof(workflow_keys) - 1
};
static const WrDefinitionSpec registration_spec = {
	"workflow definition", "create_workflow", workflow_keys,
	lengthof(workflow_keys)
};
static const WrDefinitionSpec task_spec = {
	"task definition", "create_task", task_keys, lengthof(task_keys)
};
static const WrDefinitionSpec product_spec = {
	"product definition", "create_product", product_keys,
	lengthof(product_keys)
};

/* orchestrator-core's ProductLifecycle values, which products.status takes */
static const char *const product_statuses[] = {
	"active", "pre production", "phase out", "end of life"
};

static uint32 parse_definition(Jsonb *jb, const WrDefinitionSpec *spec,
							   WrApiVersion api, void *out);
static void set_value(const WrDefinitionSpec *spec, const WrKeySpec *ks,
					  JsonbValue *v, WrApiVersion api, void *out);
static const WrKeySpec *find_key(const WrDefinitionSpec *spec,
								 const char *key, int keylen);
static void report_unknown_key(const WrDefinitionSpec *spec,
							   const char *key, WrApiVersion api);
static char *key_list(const WrDefinitionSpec *spec, WrApiVersion api,
					  bool required_only);
static bool waived(const WrDefinitionSpec *spec, const WrKeySpec *ks,
				   const bool *seen, const void *out);
static const char *json_type_phrase(JsonbValue *v);
static char *json_value_text(JsonbValue *v);
static void check_identifier(const char *what, const char *name,
							 const char *example);
static void check_default_workflow(const WorkflowDef *def);
static void check_workflow_id(WorkflowDef *def);
static void parse_workflow(Jsonb *jb, const WrDefinitionSpec *spec,
						   WrApiVersion api, WorkflowDef *def);
static void check_changes(const WrDefinitionSpec *spec, uint32 given,
						  WrApiVersion api, const char *first);


/*
 * Fill *def from a create_workflow() argument.  On return every field is
 * valid for the tables of the given API version: the name is an
 * identifier, the target a label of the installed enum, and the strings
 * within their column lengths.  Whether the product type exists is for the
 * caller to find out, under the appropriate lock.
 */
void
wr_parse_workflow(Jsonb *jb, WrApiVersion api, WorkflowDef *def)
{
	parse_workflow(jb, &workflow_spec, api, def);
}

/*
 * As wr_parse_workflow, for create_workflow() and create_workflows(),
 * whose definitions may also choose the new workflow's id (1.11).
 */
void
wr_parse_workflow_registration(Jsonb *jb, WrApiVersion api, WorkflowDef *def)
{
	parse_workflow(jb, &registration_spec, api, def);
}

static void
parse_workflow(Jsonb *jb, const WrDefinitionSpec *spec, WrApiVersion api,
			   WorkflowDef *def)
{
	memset(def, 0, sizeof(WorkflowDef));
	parse_definition(jb, spec, api, def);
	wr_check_workflow_name(def->name);
	wr_check_target(def->target);
	if (def->is_default)
		check_default_workflow(def);
	if (def->workflow_id)
		check_workflow_id(def);
}

/*
 * A caller-chosen id (1.11), as orchestrator-core's create_workflows()
 * helper takes one: the canonical form that Python's str(uuid.UUID) and
 * PostgreSQL's uuid output write, 8-4-4-4-12 hexadecimal digits, kept in
 * lower case so that it compares equal to the registered id's text.
 */
static void
check_workflow_id(WorkflowDef *def)
{
	char	   *id = def->workflow_id;
	bool		valid = strlen(id) == WR_UUID_CHARS;

	for (int i = 0; valid && i < WR_UUID_CHARS; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
			valid = id[i] == '-';
		else if (isxdigit((unsigned char) id[i]))
			id[i] = pg_ascii_tolower((unsigned char) id[i]);
		else
			valid = false;
	}
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("key \"workflow_id\" of workflow \"%s\" is not a UUID",
						def->name),
				 errdetail("The value given is \"%s\".", wr_clip(id)),
				 errhint("Write the id as 32 hexadecimal digits in groups of 8-4-4-4-12, as str(uuid.uuid4()) does, or leave \"workflow_id\" out to let the registry choose one.")));
}

/*
 * A default workflow is linked to every product of every type: it has no
 * product type or tag, and it is no task, which is linked to none.
 */
static void
check_default_workflow(const WorkflowDef *def)
{
	const char *problem;
	const char *hint;

	if (def->product_type != NULL)
		problem = "has a product type", hint = "Leave \"product_type\" out";
	else if (def->product_tag != NULL)
		problem = "has a product tag", hint = "Leave \"product_tag\" out";
	else if (def->is_task)
		problem = "is a task", hint = "Set \"is_task\" to false";
	else
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("default workflow \"%s\" %s", def->name, problem),
			 errdetail("A default workflow is linked to every product of every type, so it has no product type or tag and is not a task."),
			 errhint("%s, or set \"default\" to false.", hint)));
}

/*
 * Fill *changes from an update_workflow step and return which keys it
 * gives (WR_UPDATE_* bits); keys not given are left zero.  The name is
 * checked only for shape: whether the workflow exists is the caller's
 * business.  A step that changes nothing is an error.
 */
uint32
wr_parse_workflow_update(Jsonb *jb, WrApiVersion api, WorkflowDef *changes)
{
	uint32		given;

	memset(changes, 0, sizeof(WorkflowDef));
	given = parse_definition(jb, &workflow_update_spec, api, changes);
	wr_check_workflow_name(changes->name);
	check_changes(&workflow_update_spec, given, api,
				  psprintf("the name \"%s\"", changes->name));
	if (given & WR_UPDATE_TARGET)
		wr_check_target(changes->target);
	return given;
}

/*
 * The same for an update_workflows step (1.11), whose "name_like" pattern
 * is left in changes->name: a LIKE pattern with its default escape
 * character, the backslash, which may not end it.
 */
uint32
wr_parse_workflows_update(Jsonb *jb, WrApiVersion api, WorkflowDef *changes)
{
	uint32		given;
	int			escapes = 0;

	memset(changes, 0, sizeof(WorkflowDef));
	given = parse_definition(jb, &workflows_update_spec, api, changes);
	for (const char *c = changes->name + strlen(changes->name);
		 c > changes->name && c[-1] == '\\'; c--)
		escapes++;
	if (escapes % 2 == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ESCAPE_SEQUENCE),
				 errmsg("pattern \"%s\" of update_workflows step ends with an escape character",
						wr_clip(changes->name)),
				 errdetail("In a LIKE pattern a backslash makes the next character literal, as in \"validate\\_%%\"."),
				 errhint("Write two backslashes for a backslash, or remove the last one.")));
	check_changes(&workflows_update_spec, given, api,
				  psprintf("the pattern \"%s\"", wr_clip(changes->name)));
	if (given & WR_UPDATE_TARGET)
		wr_check_target(changes->target);
	return given;
}

/* An update step must give a key to change besides its first one. */
static void
check_changes(const WrDefinitionSpec *spec, uint32 given, WrApiVersion api,
			  const char *first)
{
	if ((given & ~1) != 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s changes nothing", spec->what),
			 errdetail("It gives only %s.", first),
			 errhint("Add the keys to change: %s.",
					 api >= WR_API_1_8 ?
					 "target, description, product_type, is_task, product_tag or default" :
					 "target, description, product_type, is_task or product_tag")));
}

/*
 * Give *workflow the values of the keys an update_workflow step gives
 * (wr_parse_workflow_update); the others keep theirs.
 */
void
wr_apply_workflow_update(WorkflowDef *workflow, const WorkflowDef *changes,
						 uint32 given)
{
	if (given & WR_UPDATE_TARGET)
		workflow->target = changes->target;
	if (given & WR_UPDATE_DESCRIPTION)
		workflow->description = changes->description;
	if (given & WR_UPDATE_PRODUCT_TYPE)
		workflow->product_type = changes->product_type;
	if (given & WR_UPDATE_IS_TASK)
		workflow->is_task = changes->is_task;
	if (given & WR_UPDATE_PRODUCT_TAG)
		workflow->product_tag = changes->product_tag;
	if (given & WR_UPDATE_DEFAULT)
		workflow->is_default = changes->is_default;
}

/*
 * Raise an error unless a workflow after an update_workflow step still
 * meets the rules of wr_valid_workflow_row() that are about NULL: every
 * value was checked when the step was read, but a step may unset the
 * product type of a workflow or give a task a tag.
 */
void
wr_check_updated_workflow(const WorkflowDef *workflow)
{
	if (workflow->is_default)
	{
		check_default_workflow(workflow);
		return;
	}
	if (workflow->product_type == NULL && !workflow->is_task)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("update_workflow step would leave workflow \"%s\" without a product type",
						workflow->name),
				 errdetail("Only a task may have no product type."),
				 errhint("Give \"product_type\" too, or keep \"is_task\" true.")));
	if (workflow->product_tag != NULL && workflow->product_type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("update_workflow step gives task \"%s\" a product tag",
						workflow->name),
				 errdetail("A task has no product type, so a tag selects nothing."),
				 errhint("Leave \"product_tag\" out for a task.")));
}

/*
 * The rules of a row of workflow_registry.workflows, for its CHECK
 * constraint (valid_workflow_row): those that the parsers above apply to a
 * definition, for rows written any other way (by the table's owner, by a
 * restore).  A NULL pointer is an SQL NULL, which passes as it would in a
 * CHECK expression, except where a rule is about NULL: a workflow that is
 * neither a task nor a default workflow has a product type, a default
 * workflow has none and is no task (1.8), and a product tag needs a
 * product type.
 */
bool
wr_valid_workflow_row(const text *name, const text *description,
					  bool has_product_type, const text *product_tag,
					  const bool *is_task, bool is_default)
{
	if (name != NULL)
	{
		int			len = VARSIZE_ANY_EXHDR(name);

		/* an identifier is ASCII: bytes are characters */
		if (len > WR_MAX_NAME_CHARS || !wr_is_identifier(VARDATA_ANY(name), len))
			return false;
	}
	if (description != NULL && VARSIZE_ANY_EXHDR(description) == 0)
		return false;
	if (is_default)
	{
		if (has_product_type || (is_task != NULL && *is_task))
			return false;
	}
	else if (!has_product_type && is_task != NULL && !*is_task)
		return false;
	if (product_tag != NULL &&
		(!has_product_type || VARSIZE_ANY_EXHDR(product_tag) == 0))
		return false;
	return true;
}

/* Whether s (not NULL) has 1 to max characters. */
static bool
has_chars(const char *s, int max)
{
	return s[0] != '\0' && pg_mbstrlen(s) <= max;
}

/*
 * Why a workflow row that another application wrote (orchestrator-core's,
 * for the import) cannot be registered as it is, by the rules a definition
 * is held to; NULL if it can.  NULL arguments are SQL NULLs.
 */
const char *
wr_workflow_row_problem(const char *name, const char *target,
						const char *description)
{
	if (name == NULL || strlen(name) > WR_MAX_NAME_CHARS ||
		!wr_is_identifier(name, strlen(name)))
		return "its name is not an identifier of at most 255 characters";
	if (target == NULL || !wr_is_target_label(target))
		return psprintf("its target %s is not a label of workflow_registry.target",
						target ? quote_literal_cstr(target) : "NULL");
	if (description == NULL || description[0] == '\0')
		return "it has no description";
	return NULL;
}

/* As wr_workflow_row_problem, for a product row. */
const char *
wr_product_row_problem(const char *name, const char *description,
					   const char *product_type, const char *tag,
					   const char *status)
{
	if (name == NULL || !has_chars(name, WR_MAX_NAME_CHARS))
		return "its name must have 1 to 255 characters";
	if (description == NULL || description[0] == '\0')
		return "it has no description";
	if (product_type == NULL || !has_chars(product_type, WR_MAX_PRODUCT_TYPE_CHARS))
		return "its product_type must have 1 to 255 characters";
	if (tag == NULL || !has_chars(tag, WR_MAX_TAG_CHARS))
		return "its tag must have 1 to 20 characters";
	for (size_t i = 0; status != NULL && i < lengthof(product_statuses); i++)
		if (strcmp(status, product_statuses[i]) == 0)
			return NULL;
	return psprintf("its status %s is not active, pre production, phase out or end of life",
					status ? quote_literal_cstr(status) : "NULL");
}

/*
 * Fill *def with the name and, when given, the target and (from 1.8 on) the
 * description of a workflow as the code registers it (check()).
 */
void
wr_parse_code_workflow(Jsonb *jb, WrApiVersion api, WorkflowDef *def)
{
	memset(def, 0, sizeof(WorkflowDef));
	parse_definition(jb, &code_workflow_spec, api, def);
	wr_check_workflow_name(def->name);
	if (def->target)
		wr_check_target(def->target);
}

/*
 * The name of an item of a list, for the context of any error about it,
 * before the item is read: the item itself when it is a string (a name,
 * as in a delete step), or the string value of its key "name" when it is
 * an object; NULL when it has no non-empty name.
 */
char *
wr_item_name(const JsonbValue *item)
{
	JsonbValue	name;

	if (item->type == jbvString)
		name = *item;
	else if (item->type != jbvBinary ||
			 !JsonContainerIsObject(item->val.binary.data) ||
			 !getKeyJsonValueFromContainer(item->val.binary.data, "name", 4,
										   &name) ||
			 name.type != jbvString)
		return NULL;
	if (name.val.string.len == 0)
		return NULL;
	return pnstrdup(name.val.string.val, name.val.string.len);
}

/*
 * Whether two workflow definitions register the same thing: everything but
 * the name compared, NULL equal only to NULL (an id the registry chooses
 * is not the same as one the caller chose).
 */
bool
wr_same_workflow(const WorkflowDef *a, const WorkflowDef *b)
{
#define SAME(f) ((a->f == NULL && b->f == NULL) || \
				 (a->f != NULL && b->f != NULL && strcmp(a->f, b->f) == 0))
	return SAME(target) && SAME(description) && SAME(product_type) &&
		SAME(product_tag) && SAME(workflow_id) && a->is_task == b->is_task &&
		a->is_default == b->is_default;
#undef SAME
}

/* Check that a workflow name is an identifier. */
void
wr_check_workflow_name(const char *name)
{
	check_identifier("workflow", name, "create_user_group");
}

/*
 * Fill *def from a create_task() argument: a task is a workflow with target
 * SYSTEM, is_task set and no product.
 */
void
wr_parse_task(Jsonb *jb, WrApiVersion api, WorkflowDef *def)
{
	memset(def, 0, sizeof(WorkflowDef));
	parse_definition(jb, &task_spec, api, def);
	check_identifier("task", def->name, "task_validate_products");
	def->target = "SYSTEM";
	def->is_task = true;
}

/*
 * Fill *def from a create_product() argument.  A missing status means
 * "active", as the column's default does.
 */
void
wr_parse_product(Jsonb *jb, WrApiVersion api, ProductDef *def)
{
	memset(def, 0, sizeof(ProductDef));
	parse_definition(jb, &product_spec, api, def);

	if (def->status == NULL)
		def->status = "active";
	else
	{
		const char *lower_match = NULL;

		for (size_t i = 0; i < lengthof(product_statuses); i++)
		{
			if (strcmp(def->status, product_statuses[i]) == 0)
				return;
			if (pg_strcasecmp(def->status, product_statuses[i]) == 0)
				lower_match = product_statuses[i];
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid status \"%s\" in product definition",
						wr_clip(def->status)),
				 errdetail("A product status is one of \"active\", \"pre production\", \"phase out\" and \"end of life\"."),
				 lower_match ?
				 errhint("Statuses are lower case: write \"%s\".", lower_match) :
				 errhint("Leave \"status\" out to register an active product.")));
	}
}

/*
 * Walk the top level of the object once, storing each known key's value and
 * rejecting anything else; then make sure every required key was there.
 * Errors come in key order (jsonb's: shorter keys first), so the first
 * problem reported is always the same for the same input.  Returns a mask
 * with bit i set when spec->keys[i] was given.
 */
static uint32
parse_definition(Jsonb *jb, const WrDefinitionSpec *spec, WrApiVersion api,
				 void *out)
{
	bool		seen[WR_MAX_KEYS] = {false};
	uint32		mask = 0;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	Assert(spec->nkeys <= WR_MAX_KEYS);

	if (!JB_ROOT_IS_OBJECT(jb))
	{
		JsonbValue	scalar;
		const char *phrase = "an array";

		if (JB_ROOT_IS_SCALAR(jb) && JsonbExtractScalar(&jb->root, &scalar))
			phrase = json_type_phrase(&scalar);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object, not %s", spec->what, phrase),
				 errdetail("%s() takes one object with the keys %s.",
						   spec->function, key_list(spec, api, false)),
				 errhint("Pass one definition per call, written as {\"key\": value, ...}.")));
	}

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const WrKeySpec *ks;
		char	   *key;

		if (tok != WJB_KEY)
			continue;

		key = pnstrdup(v.val.string.val, v.val.string.len);
		ks = find_key(spec, v.val.string.val, v.val.string.len);
		if (ks == NULL)
			report_unknown_key(spec, key, api);
		if (ks->since > api)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("key \"%s\" in %s needs workflow_registry %s or later",
							ks->key, spec->what, wr_api_version_name(ks->since)),
					 errdetail("The workflow_registry installed in this database is older than %s; its %s() takes the keys of version %s.",
							   wr_api_version_name(ks->since), spec->function,
							   wr_api_version_name(api)),
					 errhint("Run ALTER EXTENSION workflow_registry UPDATE, or leave the key out.")));

		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		set_value(spec, ks, &v, api, out);
		seen[ks - spec->keys] = true;
	}

	for (int i = 0; i < spec->nkeys; i++)
	{
		const WrKeySpec *ks = &spec->keys[i];

		if (ks->required && !seen[i] && !waived(spec, ks, seen, out))
		{
			const WrKeySpec *waiver = ks->unless ?
				find_key(spec, ks->unless, strlen(ks->unless)) : NULL;

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has no key \"%s\"", spec->what, ks->key),
					 errdetail("The keys %s are required.",
							   key_list(spec, api, true)),
					 waiver && waiver->since <= api ?
					 errhint("Add the key \"%s\" to the definition, or set \"%s\" to true.",
							 ks->key, waiver->key) :
					 errhint("Add the key \"%s\" to the definition.", ks->key)));
		}
		if (seen[i])
			mask |= (uint32) 1 << i;
	}
	return mask;
}

/*
 * Whether a required key that was not given may be missing: its "unless"
 * key was given as true (product_type of a default workflow).
 */
static bool
waived(const WrDefinitionSpec *spec, const WrKeySpec *ks, const bool *seen,
	   const void *out)
{
	const WrKeySpec *waiver;

	if (ks->unless == NULL)
		return false;
	waiver = find_key(spec, ks->unless, strlen(ks->unless));
	Assert(waiver != NULL && waiver->kind == WR_BOOLEAN);
	return seen[waiver - spec->keys] &&
		*(const bool *) ((const char *) out + waiver->offset);
}

/* Check one value's JSON type and length, then store it. */
static void
set_value(const WrDefinitionSpec *spec, const WrKeySpec *ks, JsonbValue *v,
		  WrApiVersion api, void *out)
{
	bool		nullable = ks->kind == WR_STRING_OR_NULL ||
		(ks->null_since != 0 && ks->null_since <= api);

	char	   *field = (char *) out + ks->offset;

	if (ks->kind == WR_BOOLEAN)
	{
		if (v->type != jbvBool)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key \"%s\" in %s must be a boolean, not %s",
							ks->key, spec->what, json_type_phrase(v)),
					 errdetail("The value given is %s.", json_value_text(v)),
					 errhint("Write true or false, without quotes.")));
		*(bool *) field = v->val.boolean;
	}
	else if (nullable && v->type == jbvNull)
		*(char **) field = NULL;
	else
	{
		char	   *s;
		int			nchars;

		if (v->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key \"%s\" in %s must be a string, not %s",
							ks->key, spec->what, json_type_phrase(v)),
					 errdetail("The value given is %s.", json_value_text(v)),
					 nullable ?
					 errhint("Write the value of \"%s\" in double quotes, or null to unset it.",
							 ks->key) :
					 errhint("Write the value of \"%s\" in double quotes.",
							 ks->key)));

		nchars = pg_mbstrlen_with_len(v->val.string.val, v->val.string.len);
		if (nchars == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key \"%s\" in %s must not be empty",
							ks->key, spec->what),
					 errdetail("The value given is an empty string."),
					 errhint("Give \"%s\" a value of 1 to %d characters.",
							 ks->key, ks->max_chars)));
		if (nchars > ks->max_chars)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("key \"%s\" in %s is too long", ks->key, spec->what),
					 errdetail("The value has %d characters; at most %d are allowed.",
							   nchars, ks->max_chars),
					 errhint("Shorten the value of \"%s\".", ks->key)));

		s = pnstrdup(v->val.string.val, v->val.string.len);
		*(char **) field = s;
	}
}

static const WrKeySpec *
find_key(const WrDefinitionSpec *spec, const char *key, int keylen)
{
	for (int i = 0; i < spec->nkeys; i++)
	{
		const WrKeySpec *ks = &spec->keys[i];

		if (strlen(ks->key) == (size_t) keylen && memcmp(ks->key, key, keylen) == 0)
			return ks;
	}
	return NULL;
}

/*
 * An unknown key is most often a typo, so suggest the nearest known key as
 * core does for misspelled column names.
 */
static void
report_unknown_key(const WrDefinitionSpec *spec, const char *key,
				   WrApiVersion api)
{
	const char *closest = NULL;
	int			best = 3;		/* suggest only within two edits */
	int			keylen = strlen(key);

	for (int i = 0; i < spec->nkeys; i++)
	{
		const WrKeySpec *ks = &spec->keys[i];
		int			d;

		if (ks->since > api)
			continue;
		d = varstr_levenshtein_less_equal(key, keylen,
										  ks->key, strlen(ks->key),
										  1, 1, 1, best, true);
		if (d < best)
		{
			best = d;
			closest = ks->key;
		}
	}

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s has unknown key \"%s\"", spec->what, wr_clip(key)),
			 errdetail("The known keys are %s.", key_list(spec, api, false)),
			 closest ?
			 errhint("Perhaps you meant the key \"%s\".", closest) :
			 errhint("Remove the key from the definition.")));
}

/* "name, target and description": the keys this API version knows. */
static char *
key_list(const WrDefinitionSpec *spec, WrApiVersion api, bool required_only)
{
	StringInfoData buf;
	int			n = 0;
	int			total = 0;

	for (int i = 0; i < spec->nkeys; i++)
	{
		if (spec->keys[i].since <= api &&
			(!required_only || spec->keys[i].required))
			total++;
	}

	initStringInfo(&buf);
	for (int i = 0; i < spec->nkeys; i++)
	{
		const WrKeySpec *ks = &spec->keys[i];

		if (ks->since > api || (required_only && !ks->required))
			continue;
		if (n > 0)
			appendStringInfoString(&buf, n == total - 1 ? " and " : ", ");
		appendStringInfoString(&buf, ks->key);
		n++;
	}
	return buf.data;
}

static const char *
json_type_phrase(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ?
				"an object" : "an array";
		default:
			return "an array";	/* jbvArray, jbvObject: only as binary here */
	}
}

/* The value as JSON text, clipped for a message. */
static char *
json_value_text(JsonbValue *v)
{
	Jsonb	   *jb = JsonbValueToJsonb(v);

	return wr_clip(JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
}

/*
 * Whether the len bytes at s are an identifier: a letter or underscore,
 * then letters, digits and underscores, all ASCII (so len is also the
 * length in characters).  Workflow and task names are the names of Python
 * functions, so they must be identifiers.
 */
bool
wr_is_identifier(const char *s, int len)
{
	int			i;

	if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') ||
					  (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; i < len; i++)
	{
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			  (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

/* Reject a workflow or task name that is not an identifier. */
static void
check_identifier(const char *what, const char *name, const char *example)
{
	if (wr_is_identifier(name, strlen(name)))
		return;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_NAME),
			 errmsg("%s name \"%s\" is not a valid identifier",
					what, wr_clip(name)),
			 errdetail("A %s name starts with a letter or underscore and has only letters, digits and underscores.",
					   what),
			 errhint("Use the name of the Python function that implements the %s, such as \"%s\".",
					 what, example)));
}
