/*-------------------------------------------------------------------------
 *
 * ledger.h
 *	  Data migrations recorded in the ledger, and their revert.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_LEDGER_H
#define WR_LEDGER_H

#include "api.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

extern void wr_apply_migration(const char *version, const char *description,
							   Jsonb *steps, ArrayType *requires,
							   WrApiVersion api);
extern void wr_revert_migration(const char *version, WrApiVersion api);
extern void wr_check_migration_version(const char *version);
extern void wr_lock_ledger(void);
extern void wr_record_migration(const char *version, const char *description,
								ArrayType *requires, Datum steps, List *undo,
								List *touches, TimestampTz started);

#endif							/* WR_LEDGER_H */
