# Crashes (issue 15): a backend killed with SIGKILL during a bulk
# create_workflows (the postmaster then restarts every backend and the
# server recovers from WAL), a backend terminated during an apply_migration,
# and an immediate shutdown while clients commit registrations.  Afterwards
# everything committed is there, nothing uncommitted is, and the links are
# complete.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(workflow_registry.create_product(p))
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"},
    {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}
]') AS p;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User"}');
});

sub registry
{
	return $node->safe_psql('postgres', q{
SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) || ' workflows, '
    || (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) || ' links, '
    || (SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE kind = 'data')
    || ' migrations'});
}

# Links missing or extra: every workflow has exactly the products of its type.
sub link_problems
{
	return $node->safe_psql('postgres', q{
WITH wanted AS (
    SELECT w.workflow_id, p.product_id FROM workflow_registry.workflows AS w
    JOIN workflow_registry.products AS p ON p.product_type = w.product_type
     AND (w.product_tag IS NULL OR p.tag = w.product_tag))
SELECT pg_catalog.count(*) FROM (
    (SELECT * FROM wanted EXCEPT
     SELECT workflow_id, product_id FROM workflow_registry.products_workflows) UNION ALL
    (SELECT workflow_id, product_id FROM workflow_registry.products_workflows EXCEPT
     SELECT * FROM wanted)) AS d});
}

# Wait until the session running a statement that matches $pattern has
# been at it for a moment, and return its pid.
sub busy_backend
{
	my ($pattern) = @_;
	$node->poll_query_until('postgres', qq{
SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity
               WHERE query ~ '$pattern' AND state = 'active'
                 AND pg_catalog.now() - query_start > interval '300 ms'
                 AND pid <> pg_catalog.pg_backend_pid())})
	  or die "no backend running $pattern";
	return $node->safe_psql('postgres', qq{
SELECT pid FROM pg_catalog.pg_stat_activity
WHERE query ~ '$pattern' AND state = 'active' AND pid <> pg_catalog.pg_backend_pid()});
}

my $before = registry();

# 1. SIGKILL during a bulk registration of 100 000 workflows.
my $bulk = $node->background_psql('postgres', on_error_stop => 0);
$bulk->{stdin} .= q{
SELECT pg_catalog.count(*) FROM workflow_registry.create_workflows((
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', 'bulk_' || i,
        'target', 'CREATE', 'description', 'Bulk ' || i, 'product_type', 'User'))
    FROM pg_catalog.generate_series(1, 100000) AS i));
};
$bulk->{run}->pump_nb;
my $pid = busy_backend('create_workflows');
ok(kill('KILL', $pid), "the bulk registration's backend $pid is killed");
$bulk->{run}->kill_kill;
$node->poll_query_until('postgres', 'SELECT true')
  or die 'the server did not come back';
like(slurp_file($node->logfile), qr/server process \(PID $pid\) was terminated by signal 9/,
	'the postmaster saw the backend die and restarted');
is(registry(), $before, 'after the crash the registry is as it was before the registration');
is($node->safe_psql('postgres',
		q{SELECT pg_catalog.count(*) FROM workflow_registry.workflows WHERE name LIKE 'bulk\_%'}),
	'0', 'none of the bulk registration is there');

# 2. pg_terminate_backend during a migration of 20 000 steps.
my $steps = q{(SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('create_workflow',
        pg_catalog.jsonb_build_object('name', 'migrated_' || i, 'target', 'MODIFY',
            'description', 'Migrated ' || i, 'product_type', 'User')))
    FROM pg_catalog.generate_series(1, 20000) AS i)};
my $migration = $node->background_psql('postgres', on_error_stop => 0);
$migration->{stdin} .= "SELECT workflow_registry.apply_migration('big', 'Big', $steps);\n";
$migration->{run}->pump_nb;
$pid = busy_backend('apply_migration');
is($node->safe_psql('postgres', "SELECT pg_catalog.pg_terminate_backend($pid)"),
	't', "the migration's backend $pid is terminated");
$migration->{run}->kill_kill;
is(registry(), $before, 'nothing of the terminated migration is there');
$node->safe_psql('postgres', "SELECT workflow_registry.apply_migration('big', 'Big', $steps)");
is($node->safe_psql('postgres', q{
SELECT pg_catalog.count(*) FROM workflow_registry.workflows WHERE name LIKE 'migrated\_%'}),
	'20000', 'the migration applies afterwards');
$node->safe_psql('postgres', "SELECT workflow_registry.revert_migration('big')");
$before = registry();

# 3. An immediate shutdown while clients commit registrations one by one
# (each prints the name once it has committed) and one holds a
# registration uncommitted.
my @clients;
for my $c (1 .. 4)
{
	my $session = $node->background_psql('postgres', on_error_stop => 0);
	$session->{stdin} .= join '', map {
		qq{SELECT 'c${c}_$_' FROM workflow_registry.create_workflow('{"name": "c${c}_$_",
		   "target": "CREATE", "description": "Client $c", "product_type": "User"}');\n}
	} 1 .. 2000;
	$session->{run}->pump_nb;
	push @clients, $session;
}
my $open = $node->background_psql('postgres', on_error_stop => 0);
$open->query_safe(q{BEGIN;
SELECT workflow_registry.create_workflow('{"name": "uncommitted", "target": "CREATE",
    "description": "Never committed", "product_type": "User"}');});
# (IPC::Run feeds the clients' input only while it is pumped)
for (my $tries = 0;; $tries++)
{
	$_->{run}->pump_nb for @clients;
	last if $node->safe_psql('postgres', q{
SELECT pg_catalog.count(*) > 500 FROM workflow_registry.workflows WHERE name ~ '^c[0-9]+_'}) eq 't';
	die 'the clients did not register' if $tries > 600;
	usleep(100_000);
}
$node->stop('immediate');
my @committed;
for my $session (@clients)
{
	# psql ends at the lost connection: collect what it printed before
	eval { $session->{run}->finish; };
	push @committed, grep { /^c\d+_\d+$/ } split /\n/, $session->{stdout};
	$session->{run}->kill_kill;
}
$open->{run}->kill_kill;
$node->start;
cmp_ok(scalar @committed, '>', 100, scalar(@committed) . ' registrations were acknowledged before the shutdown');
my $names = join ',', map { "'$_'" } @committed;
is($node->safe_psql('postgres', qq{
SELECT pg_catalog.count(*) FROM workflow_registry.workflows WHERE name IN ($names)}),
	scalar @committed, 'every acknowledged registration is there after recovery');
is($node->safe_psql('postgres', q{
SELECT pg_catalog.count(*) FROM workflow_registry.workflows WHERE name = 'uncommitted'}),
	'0', 'the uncommitted registration is not');
is(link_problems(), '0', 'every workflow is linked to exactly the products of its type');
$node->safe_psql('postgres', q{
SELECT workflow_registry.create_workflow('{"name": "after_recovery", "target": "CREATE",
    "description": "After recovery", "product_type": "User"}')});
is($node->safe_psql('postgres', q{
SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows AS pw
JOIN workflow_registry.workflows AS w USING (workflow_id) WHERE w.name = 'after_recovery'}),
	'2', 'the registry takes registrations after recovery');

$node->stop;
done_testing();
