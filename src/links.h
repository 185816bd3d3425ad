/*-------------------------------------------------------------------------
 *
 * links.h
 *	  The link rule, the lock that keeps links complete (and the one order
 *	  in which writers take it: links.c), and the error of a workflow that
 *	  would be linked to nothing.
 *
 * A workflow is linked to every product of its type, and of its tag when
 * it has one; a task has no product type and no links.  The links table
 * holds exactly what that rule gives, whichever side is registered first,
 * and every statement that writes or compares links writes the rule with
 * these macros.  Their arguments are SQL expressions given as string
 * literals, e.g.
 *
 *	 WR_LINK_RULE("p.product_type", "p.tag", "$4", "$6")
 *
 * for the products p a workflow of product type $4 and tag $6 is linked
 * to.  Before 1.2 there were no tags: WR_LINK_RULE_1_0.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_LINKS_H
#define WR_LINKS_H

#include "api.h"
#include "message.h"
#include "storage/lockdefs.h"

#define WR_LINK_RULE(product_type, tag, workflow_type, workflow_tag) \
	" " product_type " OPERATOR(pg_catalog.=) " workflow_type \
	" AND (" workflow_tag " IS NULL OR " tag " OPERATOR(pg_catalog.=) " \
	workflow_tag ")"

#define WR_LINK_RULE_1_0(product_type, workflow_type) \
	" " product_type " OPERATOR(pg_catalog.=) " workflow_type

/*
 * From 1.8 on a default workflow is linked to every product of every type,
 * whatever its (absent) type and tag say.
 */
#define WR_LINK_RULE_1_8(product_type, tag, workflow_type, workflow_tag, \
						 workflow_default) \
	" (" workflow_default " OR" \
	WR_LINK_RULE(product_type, tag, workflow_type, workflow_tag) ")"

/* The ids of the products a workflow of that type and tag is linked to. */
#define WR_LINKED_PRODUCTS(workflow_type, workflow_tag) \
	" SELECT p.product_id FROM workflow_registry.products AS p WHERE" \
	WR_LINK_RULE("p.product_type", "p.tag", workflow_type, workflow_tag)

extern void wr_lock_product_type(const char *product_type, LOCKMODE mode);
extern void wr_unlock_product_type(const char *product_type, LOCKMODE mode);

/* One product-type lock to take, for wr_lock_product_types(). */
typedef struct WrTypeLock
{
	const char *product_type;
	LOCKMODE	mode;
	uint32		hash;			/* set by wr_lock_product_types() */
} WrTypeLock;

extern void wr_lock_product_types(WrTypeLock *locks, int n);

/*
 * The lock of the default workflows, which are linked to the products of
 * every type: ShareLock to add, remove or change default workflows,
 * RowExclusiveLock to add or remove products (which do not block each
 * other).  A caller that adds links (registering) gets the check under
 * REPEATABLE READ that the other side has not changed since its snapshot,
 * with the tables of its API version.
 */
extern void wr_lock_default_workflows(LOCKMODE mode, bool registering,
									  WrApiVersion api);
extern void wr_unlock_default_workflows(LOCKMODE mode);
extern LOCKMODE wr_default_lock_mode(bool defaults, bool products);
pg_noreturn extern void wr_report_unlinked(const char *name,
										   const char *product_type,
										   const char *product_tag,
										   bool type_has_products);

#endif							/* WR_LINKS_H */
