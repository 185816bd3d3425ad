/*-------------------------------------------------------------------------
 *
 * attach.h
 *	  A registry that lives in orchestrator-core's own tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_ATTACH_H
#define WR_ATTACH_H

#include "access/tupdesc.h"
#include "api.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

extern void wr_refuse_attached(const char *function);

/* attach's guards on orchestrator-core's tables (from 1.9 options) */
typedef struct WrAttachOptions
{
	bool		target_check;	/* CHECK that a target is a label */
	bool		link_new_products;	/* trigger linking core's products */
} WrAttachOptions;

extern void wr_attach(const char *schema, ArrayType *default_workflows,
					  const WrAttachOptions *options, WrApiVersion api,
					  Tuplestorestate *out, TupleDesc outdesc);
extern void wr_detach(WrApiVersion api);
extern void wr_link_new_product(FunctionCallInfo fcinfo, WrApiVersion api);

#endif							/* WR_ATTACH_H */
