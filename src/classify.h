/*-------------------------------------------------------------------------
 *
 * classify.h
 *	  Which of orchestrator-core's workflows the registry manages
 *	  (classify.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_CLASSIFY_H
#define WR_CLASSIFY_H

#include "message.h"

extern char *wr_classification_ctes(const char *schema, const char *defaults,
									const char *filter);
extern void wr_adopt_workflows(Datum names);
extern void wr_adopt_workflow(const char *name);
extern void wr_check_no_schedules(const char *name, const char *id,
								  const char *what);
pg_noreturn extern void wr_report_unmanaged(const char *name, const char *reason);

#endif							/* WR_CLASSIFY_H */
