# Dump and restore of a workflow_registry database.
#
# The registry's rows live in extension tables, which pg_dump leaves out
# unless the install script registers them with pg_extension_config_dump.
# This test registers the seed example, tasks, a tagged workflow and (from
# 1.3 on) data migrations, dumps the database with pg_dump -Fc and restores
# it with pg_restore into a new database on the same node and on a second
# node.  The restore must be silent, every table must come back row for
# row, ids and timestamps included, and a restored migration must still
# revert.  The same is done for a database installed at 1.0 and updated to
# the newest version, whose ledger was written step by step.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tempdir = PostgreSQL::Test::Utils::tempdir;

# The base version every install starts from; the newest is whatever the
# installed control file says, so the test follows new releases.
my $base_version = '1.0';

my $source = PostgreSQL::Test::Cluster->new('source');
$source->init;
$source->start;

my $other = PostgreSQL::Test::Cluster->new('other');
$other->init;
$other->start;

my $newest = $source->safe_psql('postgres',
	q{SELECT default_version FROM pg_catalog.pg_available_extensions
	  WHERE name OPERATOR(pg_catalog.=) 'workflow_registry'});
isnt($newest, '', "workflow_registry is available, newest version $newest");

# The seed example (sql/seed.sql): 3 products, 6 workflows, 9 links.
my $seed = q{
SELECT pg_catalog.count(workflow_registry.create_product(p))
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}
]') AS p;
SELECT pg_catalog.count(workflow_registry.create_workflow(w))
FROM pg_catalog.jsonb_array_elements('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]') AS w;
};

# Two tasks and a workflow limited to one tag (1.1 and 1.2 features).  The
# tagged workflow uses VALIDATE, a label added by an upgrade script, and a
# description with characters that COPY has to escape.
my $extras = q{
SELECT workflow_registry.create_task('{"name": "task_clean_up_tasks", "description": "Clean up old tasks"}') IS NOT NULL;
SELECT workflow_registry.create_task('{"name": "task_validate_products", "description": "Validate products\\tand their \"links\"\\nsecond line, ünïcødé ✓"}') IS NOT NULL;
SELECT workflow_registry.create_workflow('{"name": "validate_user_internal", "target": "VALIDATE", "description": "Validate internal user", "product_type": "User", "product_tag": "USER_INT"}') IS NOT NULL;
};

# From 1.3 on, data migrations: one applied, which adds a workflow and
# changes another, and one applied and reverted.  Their ledger rows carry
# steps, undo data and times that pg_dump must keep.
my $has_migrations = $source->safe_psql('postgres',
	q{SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 FROM pg_catalog.pg_available_extension_versions
	  WHERE name OPERATOR(pg_catalog.=) 'workflow_registry'
	    AND version OPERATOR(pg_catalog.=) '1.3'}) eq 't';
my $migrations = q{
SELECT workflow_registry.apply_migration('8040c515d356', 'Reconcile internal users', '[
    {"create_workflow": {"name": "reconcile_user_internal", "target": "RECONCILE", "description": "Reconcile internal user", "product_type": "User", "product_tag": "USER_INT"}},
    {"update_workflow": {"name": "modify_user", "description": "Modify a user"}}]');
SELECT workflow_registry.apply_migration('1c2d3e4f5a6b', 'A task, reverted', '[
    {"create_task": {"name": "task_reverted", "description": "Reverted task"}}]');
SELECT workflow_registry.revert_migration('1c2d3e4f5a6b');
};

my %expected_rows = (
	products => 3,
	# 6 workflows, 2 tasks, 1 tagged workflow, 1 from a data migration
	workflows => 9 + $has_migrations,
	# 9 seed links, 1 for the tagged workflow, 1 from a data migration
	products_workflows => 10 + $has_migrations,
);

# Run a client program; return its exit status, stdout and stderr.
sub run_client
{
	my @cmd = @_;
	my ($stdout, $stderr) = ('', '');
	print('# Running: ' . join(' ', @cmd) . "\n");
	IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

# The ledger's rows for extension versions are written again by CREATE
# EXTENSION on restore, so their clock time cannot be compared; the rest of
# them, and all of every data migration's row, can.
my %column_expr = (
	migrations => {
		applied_at =>
		  q{CASE WHEN kind OPERATOR(pg_catalog.=) 'extension' THEN NULL ELSE applied_at END}
	});

# The tables of the extension's schema, and for each its columns in order.

sub registry_tables
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql(
		$db, q{
		SELECT c.relname, pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ' ' ORDER BY a.attnum)
		FROM pg_catalog.pg_class AS c
		JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		JOIN pg_catalog.pg_attribute AS a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
		WHERE n.nspname OPERATOR(pg_catalog.=) 'workflow_registry'
		  AND c.relkind OPERATOR(pg_catalog.=) 'r'
		  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
		GROUP BY c.relname
		ORDER BY c.relname});
	my %tables;
	for my $line (split /\n/, $out)
	{
		my ($table, $columns) = split /\|/, $line;
		$tables{$table} = [ split / /, $columns ];
	}
	return \%tables;
}

# Every row of a table as COPY text, in a fixed order.
sub table_rows
{
	my ($node, $db, $table, $columns) = @_;
	my $list =
	  join(', ', map { $column_expr{$table}{$_} // $_ } @$columns);
	my $order = join(', ', 1 .. scalar(@$columns));
	return $node->safe_psql($db,
		"COPY (SELECT $list FROM workflow_registry.$table ORDER BY $order) TO STDOUT"
	);
}

# Every registry table of two databases as COPY text, keyed by table.
sub registry_contents
{
	my ($node_a, $db_a, $node_b, $db_b) = @_;
	my $tables_a = registry_tables($node_a, $db_a);
	my %contents;

	is_deeply(
		registry_tables($node_b, $db_b),
		$tables_a,
		$node_b->name . " database $db_b has the same registry tables and columns as "
		  . $node_a->name . " database $db_a");
	for my $table (sort keys %$tables_a)
	{
		$contents{$table} = [
			table_rows($node_a, $db_a, $table, $tables_a->{$table}),
			table_rows($node_b, $db_b, $table, $tables_a->{$table}) ];
	}

	return \%contents;
}

sub count_lines
{
	my ($text) = @_;
	return scalar(split /\n/, $text);
}

my $total_rows = 0;

# Dump $db from the source node, restore it on the same node and on the
# other one, and compare.
sub dump_restore_compare
{
	my ($db) = @_;
	my $file = "$tempdir/$db.dump";

	my ($rc, $out, $err) =
	  run_client('pg_dump', '-Fc', '-f', $file, '-d', $source->connstr($db));
	is($rc, 0, "pg_dump -Fc of $db succeeds");
	is($err, '', "pg_dump of $db prints nothing on stderr");

	# the last in one transaction, which needs every enum label to exist
	# when CREATE EXTENSION creates the type
	for my $target ([ $source, "${db}_restored" ], [ $other, $db ],
		[ $other, "${db}_single", '--single-transaction' ])
	{
		my ($node, $newdb, @options) = @$target;
		my $where = $node->name . " database $newdb";

		$node->safe_psql('postgres',
			"CREATE DATABASE $newdb TEMPLATE template0");
		($rc, $out, $err) =
		  run_client('pg_restore', @options, '-d', $node->connstr($newdb), $file);
		is($rc, 0, "pg_restore of $db into $where succeeds");
		is($err, '', "pg_restore of $db into $where prints nothing on stderr");

		is( $node->safe_psql(
				$newdb,
				q{SELECT extversion FROM pg_catalog.pg_extension
				  WHERE extname OPERATOR(pg_catalog.=) 'workflow_registry'}),
			$newest,
			"$where has workflow_registry $newest");

		my $contents = registry_contents($source, $db, $node, $newdb);
		for my $table (sort keys %$contents)
		{
			my ($before, $after) = @{ $contents->{$table} };
			my $rows = count_lines($before);
			is($after, $before,
				"$where: $table equal to $db row for row, $rows rows");
			$total_rows += $rows;
		}

		# The undo data came along: the restored copy can revert the
		# migration it got from the dump.
		if ($has_migrations && $node == $source)
		{
			my ($ret, $stdout, $stderr) = $node->psql($newdb,
				q{SELECT workflow_registry.revert_migration('8040c515d356')});
			is($ret, 0, "$where: the restored migration reverts");
			is($stderr, '', "$where: revert prints nothing on stderr");
			is( $node->safe_psql(
					$newdb,
					q{SELECT pg_catalog.string_agg(name || ': ' || description, ', ' ORDER BY name)
					  FROM workflow_registry.workflows
					  WHERE name OPERATOR(pg_catalog.=) ANY ('{modify_user,reconcile_user_internal}')}),
				'modify_user: Modify user',
				"$where: the revert removed the new workflow and restored the changed one");
		}
	}
}

# The registry holds what this test put there, so that equal tables mean
# something.
sub check_source
{
	my ($db) = @_;
	for my $table (sort keys %expected_rows)
	{
		is( $source->safe_psql(
				$db, "SELECT pg_catalog.count(*) FROM workflow_registry.$table"),
			$expected_rows{$table},
			"$db has $expected_rows{$table} rows in $table");
	}
	is( $source->safe_psql(
			$db,
			q{SELECT pg_catalog.string_agg(version, '--' ORDER BY applied_at, version)
			  FROM workflow_registry.migrations
			  WHERE kind OPERATOR(pg_catalog.=) 'extension'}),
		$source->safe_psql(
			$db,
			qq{SELECT u.path
			   FROM pg_catalog.pg_extension AS e,
			        pg_catalog.pg_extension_update_paths('workflow_registry') AS u
			   WHERE e.extname OPERATOR(pg_catalog.=) 'workflow_registry'
			     AND u.source OPERATOR(pg_catalog.=) '$base_version'
			     AND u.target OPERATOR(pg_catalog.=) e.extversion}),
		"the ledger of $db has one row per version from $base_version to the installed one");
	is( $source->safe_psql(
			$db,
			q{SELECT pg_catalog.count(*) FROM workflow_registry.migrations
			  WHERE kind OPERATOR(pg_catalog.=) 'data'}),
		$has_migrations ? 2 : 0,
		"the ledger of $db has its data migrations");
}

# A database installed at the newest version.
$source->safe_psql('postgres', 'CREATE DATABASE fresh');
$source->safe_psql('fresh', 'CREATE EXTENSION workflow_registry');
$source->safe_psql('fresh', $seed);
$source->safe_psql('fresh', $extras);
$source->safe_psql('fresh', $migrations) if $has_migrations;
check_source('fresh');
dump_restore_compare('fresh');

# A database installed at the base version, used, then updated: the ledger
# holds one row per step and the tables were altered in place.
$source->safe_psql('postgres', 'CREATE DATABASE upgraded');
$source->safe_psql('upgraded',
	"CREATE EXTENSION workflow_registry VERSION '$base_version'");
$source->safe_psql('upgraded', $seed);
$source->safe_psql('upgraded', 'ALTER EXTENSION workflow_registry UPDATE');
$source->safe_psql('upgraded', $extras);
$source->safe_psql('upgraded', $migrations) if $has_migrations;
check_source('upgraded');
dump_restore_compare('upgraded');

# The comparison itself must see a difference: one more product, linked to
# the workflows of its type, makes two tables differ.
$other->safe_psql('upgraded',
	q{SELECT workflow_registry.create_product('{"name": "User partner", "description": "Partner user", "product_type": "User", "tag": "USER_PARTNER"}')}
);
my $contents = registry_contents($source, 'upgraded', $other, 'upgraded');
is_deeply(
	[ grep { $contents->{$_}[0] ne $contents->{$_}[1] } sort keys %$contents ],
	[ 'products', 'products_workflows' ],
	'the comparison notices an extra product and its links');

note("rows compared after restore: $total_rows");
ok($total_rows > 0, "$total_rows rows compared after restore in all");

done_testing();
