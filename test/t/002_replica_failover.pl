# The registry on a streaming replica, and through a failover (issue 15).
#
# A primary and a hot standby streaming from it.  The standby must read
# every table and view exactly as the primary does and run every reading
# function (plan, check, valid_workflow_row, a dry-run import) with the
# same output; every writing function must fail there with 25006
# (read_only_sql_transaction), before it locks anything, and write
# nothing.  Then a migration is left in flight on the primary, the primary
# goes down and the standby is promoted: the migration is not there (it
# never committed), and the new primary applies it again, registers,
# migrates, reverts and upgrades a database created at 1.0, with the
# ledger going on from the rows it had.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;

my $newest = $primary->safe_psql('postgres',
	q{SELECT default_version FROM pg_catalog.pg_available_extensions
	  WHERE name OPERATOR(pg_catalog.=) 'workflow_registry'});

# A registry with everything in it: products, workflows, a tagged one, a
# task, a data migration applied and one reverted.
$primary->safe_psql('postgres', 'CREATE DATABASE reg');
$primary->safe_psql('postgres', 'CREATE DATABASE old');
$primary->safe_psql('reg', q{
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(workflow_registry.create_product(p))
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}
]') AS p;
SELECT pg_catalog.count(*) FROM workflow_registry.create_workflows('[
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"},
    {"name": "create_user",       "target": "CREATE", "description": "Create user",       "product_type": "User"},
    {"name": "modify_user",       "target": "MODIFY", "description": "Modify user",       "product_type": "User"},
    {"name": "validate_external", "target": "VALIDATE", "description": "Validate external users",
     "product_type": "User", "product_tag": "USER_EXT"}]');
SELECT workflow_registry.create_task('{"name": "task_clean_up", "description": "Clean up"}');
SELECT workflow_registry.apply_migration('m1', 'Terminate users',
    '[{"create_workflow": {"name": "terminate_user", "target": "TERMINATE",
       "description": "Terminate user", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('m2', 'A product to revert',
    '[{"create_product": {"name": "User old", "description": "Old user",
       "product_type": "User", "tag": "USER_OLD"}}]');
SELECT workflow_registry.revert_migration('m2');
});
$primary->safe_psql('old', q{
CREATE EXTENSION workflow_registry VERSION '1.0';
SELECT workflow_registry.create_product('{"name": "Device", "description": "Device",
    "product_type": "Device", "tag": "DEV"}');
SELECT workflow_registry.create_workflow('{"name": "create_device", "target": "CREATE",
    "description": "Create device", "product_type": "Device"}');
});

# orchestrator-core's tables, for a dry-run import, when the runner has
# copied its DDL (see test/run.sh)
my $oc_ddl = 'test/orchestrator-core/schema.sql';
my $have_oc = -f $oc_ddl;
if ($have_oc)
{
	$primary->safe_psql('reg',
		"CREATE SCHEMA oc; SET search_path = oc;\n"
		  . PostgreSQL::Test::Utils::slurp_file($oc_ddl)
		  . q{
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('Router', 'Router', 'Router', 'RTR', 'active');});
}

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('reg', 'SELECT pg_catalog.pg_is_in_recovery()'),
	't', 'the standby is in recovery');

# Every table and view of the schema, each as one text, rows sorted.
sub relations
{
	my ($node, $db) = @_;
	return $node->safe_psql($db, q{
SELECT pg_catalog.string_agg(c.relname, ' ' ORDER BY c.relname)
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.regnamespace
  AND c.relkind IN ('r', 'v')});
}

sub contents
{
	my ($node, $db) = @_;
	my %rows;
	for my $rel (split / /, relations($node, $db))
	{
		$rows{$rel} = $node->safe_psql($db,
			"SELECT pg_catalog.string_agg(t::pg_catalog.text, E'\\n' ORDER BY t::pg_catalog.text)"
			  . " FROM workflow_registry.$rel AS t");
	}
	return \%rows;
}

my $on_primary = contents($primary, 'reg');
my $on_standby = contents($standby, 'reg');
ok(exists $on_primary->{workflows} && exists $on_primary->{migration_history},
	'the primary lists the registry\'s tables and views');
is(join(' ', sort keys %$on_standby), join(' ', sort keys %$on_primary),
	'the standby has every table and view');
for my $rel (sort keys %$on_primary)
{
	is($on_standby->{$rel}, $on_primary->{$rel}, "$rel reads the same on the standby");
}
is_deeply(contents($standby, 'old'), contents($primary, 'old'),
	'a database still at 1.0 reads the same on the standby');

# Every reading function: the same output on both.
my @readers = (
	q{SELECT * FROM workflow_registry.plan('{"workflows": [
        {"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"},
        {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"}],
        "tasks": [{"name": "task_clean_up", "description": "Clean up"}]}', allow_delete => true)},
	q{SELECT * FROM workflow_registry."check"('["create_user", {"name": "modify_user", "target": "CREATE"}, "nope"]')},
	q{SELECT workflow_registry.valid_workflow_row('create_user', 'Create user', 'User', NULL, false, false),
	         workflow_registry.valid_workflow_row('not an identifier', 'x', 'User', NULL, false, false)},
	q{SELECT version, kind, state, rank FROM workflow_registry.migration_history ORDER BY rank});
push @readers, q{SELECT * FROM workflow_registry.import_orchestrator_core('oc')} if $have_oc;
for my $sql (@readers)
{
	my ($name) = $sql =~ /workflow_registry\.("?\w+"?)/;
	my $expected = $primary->safe_psql('reg', $sql);
	my ($rc, $out, $err) = $standby->psql('reg', $sql);
	is($rc, 0, "$name runs on the standby");
	is($out, $expected, "$name gives the same output on the standby");
}

# Every writing function: 25006 on the standby, before it locks anything.
my @writers = (
	q{create_workflow('{"name": "x1", "target": "CREATE", "description": "x", "product_type": "User"}')},
	q{create_task('{"name": "t1", "description": "x"}')},
	q{delete_workflow('create_user')},
	q{delete_workflow('nope', if_exists => true)},
	q{create_product('{"name": "P1", "description": "x", "product_type": "User", "tag": "T"}')},
	q{delete_product('User internal')},
	q{create_workflows('[{"name": "x2", "target": "CREATE", "description": "x", "product_type": "User"}]')},
	q{apply_migration('m3', 'x', '[{"create_task": {"name": "t2", "description": "x"}}]')},
	q{apply_migration('m1', 'Terminate users', '[{"create_workflow": {"name": "terminate_user",
	  "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}}]')},
	q{revert_migration('m1')},
	q{sync('{"workflows": [{"name": "x3", "target": "CREATE", "description": "x", "product_type": "User"}]}', 's1')},
	q{import_orchestrator_core('oc', dry_run => false)},
	q{attach_orchestrator_core('oc')},
	q{detach_orchestrator_core()});
for my $call (@writers)
{
	my ($name) = $call =~ /^(\w+)/;
	my ($rc, $out, $err) = $standby->psql('reg',
		"\\set VERBOSITY verbose\nSELECT * FROM workflow_registry.$call");
	like($err, qr/ERROR:  25006: cannot execute $name\(\) during recovery/,
		"$name fails on the standby with 25006");
	unlike($err, qr/LOCATION:  (?!PreventCommandDuringRecovery)/,
		"$name fails in the read-only guard, not later");
}
is_deeply(contents($standby, 'reg'), $on_primary, 'the writers wrote nothing on the standby');

# A migration in flight on the primary when it goes down.
my $inflight = $primary->background_psql('reg', on_error_stop => 1);
$inflight->query_safe(q{BEGIN;
SELECT workflow_registry.apply_migration('m4', 'In flight at the failover',
    '[{"create_workflow": {"name": "validate_user", "target": "VALIDATE",
       "description": "Validate user", "product_type": "User"}}]');});
$primary->wait_for_catchup($standby);
$primary->stop('immediate');
$inflight->{run}->kill_kill;
$standby->promote;
is($standby->safe_psql('reg', 'SELECT pg_catalog.pg_is_in_recovery()'),
	'f', 'the standby is promoted');
is($standby->safe_psql('reg', q{
SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE version = 'm4'}) .
	$standby->safe_psql('reg', q{
SELECT pg_catalog.count(*) FROM workflow_registry.workflows WHERE name = 'validate_user'}),
	'00', 'the migration in flight at the failover is not there');

# The new primary writes, migrates, reverts and upgrades.
$standby->safe_psql('reg', q{
SELECT workflow_registry.create_workflow('{"name": "modify_user_group", "target": "MODIFY",
    "description": "Modify user group", "product_type": "UserGroup"}');
SELECT workflow_registry.apply_migration('m4', 'In flight at the failover',
    '[{"create_workflow": {"name": "validate_user", "target": "VALIDATE",
       "description": "Validate user", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('m5', 'Then reverted',
    '[{"update_workflow": {"name": "modify_user", "description": "Modify a user"}},
      {"delete_workflow": "create_user_group"}]', requires => '{m4}');
SELECT workflow_registry.revert_migration('m5');
SELECT workflow_registry.delete_product('User external');
});
is($standby->safe_psql('reg', q{
SELECT pg_catalog.string_agg(version || ' ' || state, ', ' ORDER BY rank)
FROM workflow_registry.migration_history WHERE kind = 'data'}),
	'm1 applied, m2 reverted, m4 applied, m5 reverted',
	'the ledger goes on from where it was');
is($standby->safe_psql('reg', q{
SELECT pg_catalog.string_agg(w.name || ':' || (SELECT pg_catalog.count(*)
         FROM workflow_registry.products_workflows AS pw WHERE pw.workflow_id = w.workflow_id),
       ', ' ORDER BY w.name)
FROM workflow_registry.workflows AS w}),
	'create_user:1, create_user_group:1, modify_user:1, modify_user_group:1, task_clean_up:0, '
	  . 'terminate_user:1, validate_external:0, validate_user:1',
	'the registry and its links after the failover');

$standby->safe_psql('old', 'ALTER EXTENSION workflow_registry UPDATE');
is($standby->safe_psql('old', q{
SELECT pg_catalog.string_agg(version, ' ' ORDER BY applied_at, version)
FROM workflow_registry.migrations}),
	join(' ', map { "1.$_" } 0 .. ($newest =~ /^1\.(\d+)$/)[0]),
	"a database created at 1.0 before the failover updates to $newest after it");
is($standby->safe_psql('old', q{
SELECT workflow_registry.create_task('{"name": "task_after", "description": "After the update"}') IS NOT NULL,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows)}),
	't|1', 'and works at the new version');

$standby->stop;
done_testing();
