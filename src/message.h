/*-------------------------------------------------------------------------
 *
 * message.h
 *	  What every error message of the extension is made of: clipped user
 *	  input, the context line that names the item being worked on, and the
 *	  reports that several modules raise.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_MESSAGE_H
#define WR_MESSAGE_H

/*
 * A function that does not return: pg_noreturn, before the declaration,
 * from PostgreSQL 18 on, which has no pg_attribute_noreturn() any more;
 * before 18 that macro, which as a GCC attribute may stand in front too.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/* How much of a user-supplied string an error message repeats. */
#define WR_CLIP_CHARS 64

/*
 * The item of a list that is being read or written, for the CONTEXT line
 * of any error raised meanwhile:
 *
 *	 list[index]
 *	 list[index] ("name")
 *	 list[index] (kind)
 *	 list[index] (kind "name")
 *
 * followed by the suffix, e.g. ' of migration "5a"'.  The caller sets
 * index, kind and name as it learns them; kind and name may be NULL.
 */
typedef struct WrItemContext
{
	const char *list;			/* "workflows", "steps", ... */
	const char *suffix;			/* "" or " of ..." */
	int			index;
	const char *kind;
	const char *name;
	ErrorContextCallback callback;
} WrItemContext;

extern char *wr_clip(const char *s);

extern void wr_push_item_context(WrItemContext *item, const char *list,
								 const char *suffix);
extern void wr_pop_item_context(WrItemContext *item);

pg_noreturn extern void wr_report_null_argument(const char *argument,
												const char *function);
pg_noreturn extern void wr_report_missing(const char *what, const char *name);

#endif							/* WR_MESSAGE_H */
