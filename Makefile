# workflow_registry/Makefile

EXTENSION = workflow_registry
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = workflow_registry
OBJS = \
	src/catalog.o \
	src/definition.o \
	src/registry.o \
	src/workflow_registry.o
PG_CPPFLAGS = -I$(srcdir)/src

DATA = \
	workflow_registry--1.0.sql \
	workflow_registry--1.0--1.1.sql \
	workflow_registry--1.1--1.2.sql
PGFILEDESC = "workflow_registry - validated registry of orchestrator workflows"

REGRESS = seed create tasks products bad_input delete privileges upgrade

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# A source archive named after the version in the control file.
dist:
	git archive --format=tar.gz --prefix=$(EXTENSION)-$(EXTVERSION)/ \
		-o $(EXTENSION)-$(EXTVERSION).tar.gz HEAD

# Side-by-side benchmark against orchestrator-core's own statements, on the
# installed extension; not part of the tests (see test/bench/README.md).
bench:
	bash test/bench/run

.PHONY: dist bench
