/*-------------------------------------------------------------------------
 *
 * guards.h
 *	  What attaching puts on orchestrator-core's tables, and taking it away
 *	  (guards.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_GUARDS_H
#define WR_GUARDS_H

extern void wr_run_as(Oid owner, const char *schema, const char *sql,
					  int nargs, Oid *argtypes, Datum *values);
extern void wr_grant_tables_owner(Oid owner, bool trigger);
extern void wr_add_guards(const char *schema, Oid owner, bool target_check,
						  bool validate, bool trigger);
extern void wr_drop_attachment(void);

#endif							/* WR_GUARDS_H */
