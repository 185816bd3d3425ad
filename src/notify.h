/*-------------------------------------------------------------------------
 *
 * notify.h
 *	  Counting the changes of a transaction for its NOTIFY.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_NOTIFY_H
#define WR_NOTIFY_H

typedef enum WrChange
{
	WR_WORKFLOW_CREATED,
	WR_WORKFLOW_UPDATED,
	WR_WORKFLOW_DELETED,
	WR_PRODUCT_CREATED,
	WR_PRODUCT_DELETED
} WrChange;

#define WR_NUM_CHANGES (WR_PRODUCT_DELETED + 1)

extern void wr_notify_init(void);
extern void wr_notify_change(WrChange change, int64 n);
extern void wr_notify_migration(const char *version, const char *action);

#endif							/* WR_NOTIFY_H */
