/*-------------------------------------------------------------------------
 *
 * ledger.h
 *	  Data migrations recorded in the ledger, and their revert.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_LEDGER_H
#define WR_LEDGER_H

#include "utils/array.h"
#include "utils/jsonb.h"

extern void wr_apply_migration(const char *version, const char *description,
							   Jsonb *steps, ArrayType *requires);
extern void wr_revert_migration(const char *version);
extern void wr_check_migration_version(const char *version);

#endif							/* WR_LEDGER_H */
