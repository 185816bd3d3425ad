/*-------------------------------------------------------------------------
 *
 * api.c
 *	  The versions of the SQL scripts that changed what a function accepts
 *	  (api.h), by name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api.h"

/* "1.2": a version as the README and the scripts name it. */
const char *
wr_api_version_name(WrApiVersion api)
{
	switch (api)
	{
		case WR_API_1_0:
			return "1.0";
		case WR_API_1_1:
			return "1.1";
		case WR_API_1_2:
			return "1.2";
		case WR_API_1_3:
			return "1.3";
		case WR_API_1_4:
			return "1.4";
		case WR_API_1_5:
			return "1.5";
		case WR_API_1_6:
			return "1.6";
		case WR_API_1_7:
			return "1.7";
		case WR_API_1_8:
			return "1.8";
		case WR_API_1_9:
			return "1.9";
		case WR_API_1_10:
			return "1.10";
		case WR_API_1_11:
			return "1.11";
	}
	elog(ERROR, "unrecognized workflow_registry API version %d", (int) api);
	return NULL;				/* keep compiler quiet */
}
