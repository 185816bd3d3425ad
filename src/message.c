/*-------------------------------------------------------------------------
 *
 * message.c
 *	  Clipping, item contexts and the reports shared by several modules.
 *
 * An error about one item of a list (a workflow of create_workflows(), a
 * step of a migration, an entry of a manifest) says which item it is in
 * its CONTEXT line, in one format for every list, so that a user with
 * hundreds of items finds the one at fault.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "message.h"

static void item_context_callback(void *arg);

/*
 * Return s, or its first characters followed by "..." when it is too long
 * to repeat in full in a message.
 */
char *
wr_clip(const char *s)
{
	int			len = strlen(s);
	int			cut = pg_mbcharcliplen(s, len, WR_CLIP_CHARS);

	if (cut >= len)
		return (char *) s;
	return psprintf("%.*s...", cut, s);
}

static void
item_context_callback(void *arg)
{
	WrItemContext *item = (WrItemContext *) arg;

	if (item->kind && item->name)
		errcontext("%s[%d] (%s \"%s\")%s", item->list, item->index,
				   item->kind, wr_clip(item->name), item->suffix);
	else if (item->kind)
		errcontext("%s[%d] (%s)%s", item->list, item->index, item->kind,
				   item->suffix);
	else if (item->name)
		errcontext("%s[%d] (\"%s\")%s", item->list, item->index,
				   wr_clip(item->name), item->suffix);
	else
		errcontext("%s[%d]%s", item->list, item->index, item->suffix);
}

/*
 * Name the items of list in the context of every error raised until the
 * matching wr_pop_item_context(); item starts at index 0, kind and name
 * unknown.  Pushes nest, and an error unwinds them all.
 */
void
wr_push_item_context(WrItemContext *item, const char *list,
					 const char *suffix)
{
	item->list = list;
	item->suffix = suffix;
	item->index = 0;
	item->kind = NULL;
	item->name = NULL;
	item->callback.callback = item_context_callback;
	item->callback.arg = item;
	item->callback.previous = error_context_stack;
	error_context_stack = &item->callback;
}

void
wr_pop_item_context(WrItemContext *item)
{
	Assert(error_context_stack == &item->callback);
	error_context_stack = item->callback.previous;
}

/*
 * Report a NULL argument of a function that is not STRICT because a NULL
 * must not pass silently.
 */
void
wr_report_null_argument(const char *argument, const char *function)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be null", argument),
			 errdetail("%s() was called with a NULL %s.", function, argument),
			 errhint("Give every argument of %s() a value.", function)));
	pg_unreachable();
}

/* Report that no "what" (workflow, product) of that name is registered. */
void
wr_report_missing(const char *what, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("%s \"%s\" does not exist", what, wr_clip(name)),
			 errdetail("No %s of that name is registered.", what),
			 errhint("Check the name against workflow_registry.%ss.", what)));
	pg_unreachable();
}
