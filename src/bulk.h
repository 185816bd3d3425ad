/*-------------------------------------------------------------------------
 *
 * bulk.h
 *	  create_workflows(): many definitions registered in one call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_BULK_H
#define WR_BULK_H

#include "api.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

extern void wr_register_workflows(Jsonb *workflows, WrApiVersion api,
								  Tuplestorestate *out, TupleDesc outdesc);

#endif							/* WR_BULK_H */
