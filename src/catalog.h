/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  OIDs of the extension's own objects, cached per backend, and the
 *	  checks that need them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_CATALOG_H
#define WR_CATALOG_H

extern void wr_check_catalog(void);
extern Oid	wr_products_relid(void);
extern Oid	wr_attachment_relid(void);
extern bool wr_is_target_label(const char *label);
extern void wr_check_target(const char *label);

#endif							/* WR_CATALOG_H */
