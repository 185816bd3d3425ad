/*-------------------------------------------------------------------------
 *
 * definition.h
 *	  Registry definitions read from jsonb and checked, and the rules a
 *	  registered row meets.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_DEFINITION_H
#define WR_DEFINITION_H

#include "api.h"
#include "utils/jsonb.h"

/* Longest values the tables take, in characters. */
#define WR_MAX_NAME_CHARS			255
#define WR_MAX_DESCRIPTION_CHARS	2000
#define WR_MAX_PRODUCT_TYPE_CHARS	255
#define WR_MAX_TAG_CHARS			20
#define WR_MAX_STATUS_CHARS			255
#define WR_UUID_CHARS				36	/* 8-4-4-4-12 hexadecimal digits */

/* A workflow or task definition, validated. */
typedef struct WorkflowDef
{
	char	   *name;
	char	   *target;			/* an existing label of the target enum */
	char	   *description;
	char	   *product_type;	/* NULL for a task */
	char	   *product_tag;	/* NULL when not given */
	bool		is_task;
	bool		is_default;		/* linked to every product (1.8) */
	char	   *workflow_id;	/* the caller's choice, as canonical text;
								 * NULL when the registry chooses (1.11) */
} WorkflowDef;

/* A product definition, validated. */
typedef struct ProductDef
{
	char	   *name;
	char	   *description;
	char	   *product_type;
	char	   *tag;
	char	   *status;			/* "active" when not given */
} ProductDef;

/*
 * Which keys an update_workflow step gives, as bits of the mask that
 * wr_parse_workflow_update returns.  The name is always given.
 */
#define WR_UPDATE_TARGET		(1 << 1)
#define WR_UPDATE_DESCRIPTION	(1 << 2)
#define WR_UPDATE_PRODUCT_TYPE	(1 << 3)
#define WR_UPDATE_IS_TASK		(1 << 4)
#define WR_UPDATE_PRODUCT_TAG	(1 << 5)
#define WR_UPDATE_DEFAULT		(1 << 6)

extern void wr_parse_workflow(Jsonb *jb, WrApiVersion api, WorkflowDef *def);
extern void wr_parse_workflow_registration(Jsonb *jb, WrApiVersion api,
										   WorkflowDef *def);
extern void wr_parse_task(Jsonb *jb, WrApiVersion api, WorkflowDef *def);
extern void wr_parse_product(Jsonb *jb, WrApiVersion api, ProductDef *def);
extern uint32 wr_parse_workflow_update(Jsonb *jb, WrApiVersion api,
									   WorkflowDef *changes);
extern uint32 wr_parse_workflows_update(Jsonb *jb, WrApiVersion api,
										WorkflowDef *changes);
extern void wr_apply_workflow_update(WorkflowDef *workflow,
									 const WorkflowDef *changes, uint32 given);
extern void wr_check_updated_workflow(const WorkflowDef *workflow);
extern bool wr_valid_workflow_row(const text *name, const text *description,
								  bool has_product_type,
								  const text *product_tag,
								  const bool *is_task, bool is_default);
extern const char *wr_workflow_row_problem(const char *name,
										   const char *target,
										   const char *description);
extern const char *wr_product_row_problem(const char *name,
										  const char *description,
										  const char *product_type,
										  const char *tag, const char *status);
extern void wr_parse_code_workflow(Jsonb *jb, WrApiVersion api,
								   WorkflowDef *def);
extern char *wr_item_name(const JsonbValue *item);
extern bool wr_is_identifier(const char *s, int len);
extern void wr_check_workflow_name(const char *name);
extern bool wr_same_workflow(const WorkflowDef *a, const WorkflowDef *b);

#endif							/* WR_DEFINITION_H */
