# workflow_registry/Makefile

EXTENSION = workflow_registry
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = workflow_registry
OBJS = \
	src/api.o \
	src/attach.o \
	src/bulk.o \
	src/catalog.o \
	src/classify.o \
	src/definition.o \
	src/guards.o \
	src/import.o \
	src/ledger.o \
	src/links.o \
	src/manifest.o \
	src/message.o \
	src/notify.o \
	src/registry.o \
	src/shapes.o \
	src/spi.o \
	src/tables.o \
	src/undo.o \
	src/workflow_registry.o
PG_CPPFLAGS = -I$(srcdir)/src

DATA = \
	workflow_registry--1.0.sql \
	workflow_registry--1.0--1.1.sql \
	workflow_registry--1.1--1.2.sql \
	workflow_registry--1.2--1.3.sql \
	workflow_registry--1.3--1.4.sql \
	workflow_registry--1.4--1.5.sql \
	workflow_registry--1.5--1.6.sql \
	workflow_registry--1.6--1.7.sql \
	workflow_registry--1.7--1.8.sql \
	workflow_registry--1.8--1.9.sql \
	workflow_registry--1.9--1.10.sql \
	workflow_registry--1.10--1.11.sql \
	workflow_registry--1.5.sql
PGFILEDESC = "workflow_registry - validated registry of orchestrator workflows"

REGRESS = seed create tasks products delete bad_input privileges upgrade migrations bulk manifest import \
	import_security table_checks item_names attach attach_bulk attach_migrations \
	attach_manifest attach_unusable attach_security attach_default default \
	fresh_upgraded hostile_search_path result_columns workflow_id update_workflows fuzz

# Concurrency: specs in test/isolation/specs, expected output in
# test/isolation/expected.
ISOLATION = create_same create_conflict create_delete workflow_product \
	update_extension links_repeatable_read same_migration notify \
	delete_create_product lock_order default_product attach_writers attach_core_writers \
	workflow_id
ISOLATION_OPTS = --inputdir=test/isolation

# TAP tests (PostgreSQL::Test::Cluster) start their own clusters.
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: a changed header rebuilds everything.
$(OBJS): $(wildcard $(srcdir)/src/*.h)

# The import test reads orchestrator-core's DDL, which is not in this
# repository: installcheck takes it from the shared/ folder beside it.
ORC_SCHEMA = $(srcdir)/../shared/orchestrator-core/schema.sql
installcheck: test/orchestrator-core/schema.sql
test/orchestrator-core/schema.sql:
	@test -f $(ORC_SCHEMA) || { echo "$@: copy orchestrator-core's DDL here (the import test needs it); $(ORC_SCHEMA) is missing" >&2; exit 1; }
	mkdir -p test/orchestrator-core
	cp $(ORC_SCHEMA) $@

# A source archive named after the version in the control file (META.json,
# tracked, goes with it).
dist:
	git archive --format=tar.gz --prefix=$(EXTENSION)-$(EXTVERSION)/ \
		-o $(EXTENSION)-$(EXTVERSION).tar.gz HEAD

# Side-by-side benchmark against orchestrator-core's own statements, on the
# installed extension; not part of the tests (see test/bench/README.md).
bench:
	bash test/bench/run

.PHONY: dist bench
