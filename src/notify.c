/*-------------------------------------------------------------------------
 *
 * notify.c
 *	  One NOTIFY workflow_registry per transaction that changed the
 *	  registry, so that a running orchestrator can reload without polling.
 *
 * Every write counts itself here.  The counts are kept per subtransaction
 * level: a subtransaction that commits adds its counts to its parent's, one
 * that aborts drops them.  Just before the top-level commit, a transaction
 * with any count sends one notification whose payload is a small JSON
 * summary:
 *
 *	 {"workflows": {"created": 6, "updated": 0, "deleted": 0},
 *	  "products": {"created": 3, "deleted": 0},
 *	  "migrations": [{"version": "8040c515d356", "action": "applied"}]}
 *
 * PostgreSQL serializes the commits of all transactions that notify (a
 * lock keeps the queue in commit order), which costs concurrent writers;
 * workflow_registry.notify = off (e.g. SET LOCAL in a bulk job) sends none.
 *
 * The list of migrations is cut after a few entries ("more_migrations"
 * says how many were left out) and each version after 64 characters, so
 * the payload stays far below the 8000 bytes NOTIFY allows however large
 * the change (at most about 4 kB with the longest escapes).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "message.h"
#include "nodes/pg_list.h"
#include "notify.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"

#define WR_CHANNEL "workflow_registry"
#define WR_MAX_LISTED_MIGRATIONS 8

typedef struct WrChangeCounts
{
	int			nest_level;
	int64		counts[WR_NUM_CHANGES];
	List	   *migrations;		/* of char *, "version\0action" pairs */
	int			nmigrations;
	struct WrChangeCounts *parent;
} WrChangeCounts;

static WrChangeCounts *current = NULL;

/* workflow_registry.notify */
static bool notify_enabled = true;

static void notify_xact_callback(XactEvent event, void *arg);
static void notify_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									SubTransactionId parentSubid, void *arg);

void
wr_notify_init(void)
{
	DefineCustomBoolVariable("workflow_registry.notify",
							 "Sends NOTIFY workflow_registry when a transaction changes the registry.",
							 "PostgreSQL serializes the commits of transactions that send a notification; "
							 "turn this off for jobs that nobody listens to, e.g. with SET LOCAL.",
							 &notify_enabled,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("workflow_registry");

	RegisterXactCallback(notify_xact_callback, NULL);
	RegisterSubXactCallback(notify_subxact_callback, NULL);
}

/* The counts of the current (sub)transaction level, created on demand. */
static WrChangeCounts *
level_counts(void)
{
	int			level = GetCurrentTransactionNestLevel();

	if (current == NULL || current->nest_level < level)
	{
		WrChangeCounts *c = MemoryContextAllocZero(TopTransactionContext,
												   sizeof(WrChangeCounts));

		c->nest_level = level;
		c->parent = current;
		current = c;
	}
	return current;
}

void
wr_notify_change(WrChange change, int64 n)
{
	if (n > 0)
		level_counts()->counts[change] += n;
}

void
wr_notify_migration(const char *version, const char *action)
{
	WrChangeCounts *c = level_counts();
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	c->nmigrations++;
	if (list_length(c->migrations) < WR_MAX_LISTED_MIGRATIONS)
		c->migrations = lappend(c->migrations,
								list_make2(pstrdup(version), pstrdup(action)));
	MemoryContextSwitchTo(old);
}

static void
merge_into_parent(WrChangeCounts *c)
{
	WrChangeCounts *parent = c->parent;

	/* the parent level may have no counts of its own yet */
	if (parent == NULL || parent->nest_level < c->nest_level - 1)
	{
		c->nest_level--;
		return;
	}
	for (int i = 0; i < WR_NUM_CHANGES; i++)
		parent->counts[i] += c->counts[i];
	parent->nmigrations += c->nmigrations;
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
		ListCell   *lc;

		foreach(lc, c->migrations)
		{
			if (list_length(parent->migrations) < WR_MAX_LISTED_MIGRATIONS)
				parent->migrations = lappend(parent->migrations, lfirst(lc));
		}
		MemoryContextSwitchTo(old);
	}
	current = parent;
}

static void
notify_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (current == NULL || current->nest_level != level)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		merge_into_parent(current);
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		current = current->parent;
}

static char *
payload(WrChangeCounts *c)
{
	StringInfoData buf;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "{\"workflows\": {\"created\": " INT64_FORMAT
					 ", \"updated\": " INT64_FORMAT ", \"deleted\": " INT64_FORMAT "}"
					 ", \"products\": {\"created\": " INT64_FORMAT
					 ", \"deleted\": " INT64_FORMAT "}, \"migrations\": [",
					 c->counts[WR_WORKFLOW_CREATED], c->counts[WR_WORKFLOW_UPDATED],
					 c->counts[WR_WORKFLOW_DELETED], c->counts[WR_PRODUCT_CREATED],
					 c->counts[WR_PRODUCT_DELETED]);
	foreach(lc, c->migrations)
	{
		List	   *pair = (List *) lfirst(lc);

		if (!first)
			appendStringInfoString(&buf, ", ");
		first = false;
		appendStringInfoString(&buf, "{\"version\": ");
		escape_json(&buf, wr_clip((char *) linitial(pair)));
		appendStringInfoString(&buf, ", \"action\": ");
		escape_json(&buf, (char *) lsecond(pair));
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	if (c->nmigrations > list_length(c->migrations))
		appendStringInfo(&buf, ", \"more_migrations\": %d",
						 c->nmigrations - list_length(c->migrations));
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static void
notify_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (current != NULL)
			{
				WrChangeCounts *c = current;
				bool		any = c->nmigrations > 0;

				/* anything left below the top level has committed into it */
				while (c->parent != NULL)
				{
					merge_into_parent(c);
					c = current;
				}
				for (int i = 0; i < WR_NUM_CHANGES; i++)
					any |= c->counts[i] > 0;
				if (any && notify_enabled)
					Async_Notify(WR_CHANNEL, payload(c));
				current = NULL;
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			/* the memory goes with TopTransactionContext */
			current = NULL;
			break;
		default:
			break;
	}
}
