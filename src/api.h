/*-------------------------------------------------------------------------
 *
 * api.h
 *	  The versions of the SQL scripts that changed what a function accepts.
 *
 * Each SQL function is bound to the C symbol of the version whose
 * behaviour it has (pg_stat_statements style), so the library knows which
 * keys and columns the installed scripts provide without asking the
 * catalog, and an old SQL install keeps working with a newer library.  The
 * SQL-callable entry points choose the version; everything below them is
 * told.  Every shipped script has its version here, whether or not it
 * changed what a given function accepts: an entry point passes the version
 * of the script that declares it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_API_H
#define WR_API_H

typedef enum WrApiVersion
{
	WR_API_1_0,
	WR_API_1_1,
	WR_API_1_2,
	WR_API_1_3,
	WR_API_1_4,
	WR_API_1_5,
	WR_API_1_6,
	WR_API_1_7,
	WR_API_1_8,
	WR_API_1_9,
	WR_API_1_10,
	WR_API_1_11
} WrApiVersion;

#define WR_NUM_API_VERSIONS (WR_API_1_11 + 1)

extern const char *wr_api_version_name(WrApiVersion api);

#endif							/* WR_API_H */
