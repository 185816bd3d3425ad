/*-------------------------------------------------------------------------
 *
 * manifest.h
 *	  The declarative registry: plan(), sync() and check().
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_MANIFEST_H
#define WR_MANIFEST_H

#include "access/tupdesc.h"
#include "api.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

extern void wr_plan(Jsonb *manifest, bool allow_delete, WrApiVersion api,
					Tuplestorestate *out, TupleDesc outdesc);
extern void wr_sync(Jsonb *manifest, const char *version, bool allow_delete,
					WrApiVersion api, Tuplestorestate *out,
					TupleDesc outdesc);
extern void wr_check(Jsonb *code, WrApiVersion api, Tuplestorestate *out,
					 TupleDesc outdesc);

#endif							/* WR_MANIFEST_H */
