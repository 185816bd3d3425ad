# Dump and restore of a database attached to orchestrator-core's tables.
#
# Attached (1.7), the registry is orchestrator-core's workflows, products
# and products_workflows, owned by orchestrator-core's role; the extension
# adds a CHECK on workflows.target and a trigger after INSERT on products
# (from 1.9 when asked to, as here), and keeps workflow_registry.attachment,
# attached_workflows and a ledger row.  pg_dump must carry all of it: the guards are objects of a table
# that is not the extension's, the records are extension config tables,
# and the owner is a role named in a regrole column.
#
# Two databases: orchestrator-core in schema public of a database its role
# owns, every target a label, so the CHECK is validated; and in schema oc
# with a lower-case target left over, so the CHECK is NOT VALID.  Each is
# dumped with pg_dump -Fc and restored with pg_restore into a new database
# on the same node and, in one transaction and with two jobs, on a second
# node; and dumped as plain SQL and restored with psql.  Every restore must
# be silent and give the same rows, ids and timestamps in
# orchestrator-core's tables and the extension's, and the same guards.
# Then the same things are done in the
# source and in each copy, and must end the same: orchestrator-core's own
# writes (refused by the CHECK, linked by the trigger), the functions
# registering and deleting there, and detach.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# installcheck copies orchestrator-core's DDL here (see the Makefile)
my $oc_ddl = 'test/orchestrator-core/schema.sql';
-f $oc_ddl
  or BAIL_OUT("$oc_ddl is missing: installcheck copies it from ../shared/orchestrator-core/");
my $ddl = PostgreSQL::Test::Utils::slurp_file($oc_ddl);

my $tempdir = PostgreSQL::Test::Utils::tempdir;

my $source = PostgreSQL::Test::Cluster->new('attached_source');
$source->init;
$source->start;
my $other = PostgreSQL::Test::Cluster->new('attached_other');
$other->init;
$other->start;

# orchestrator-core's role: it owns the tables, as its migrations leave
# them.  pg_dump does not dump roles; the other node gets its own.
for my $node ($source, $other)
{
	$node->safe_psql('postgres', 'CREATE ROLE wr_orch');
}

# Run a client program; return its exit status, stdout and stderr.
sub run_client
{
	my @cmd = @_;
	my ($stdout, $stderr) = ('', '');
	print('# Running: ' . join(' ', @cmd) . "\n");
	IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

# orchestrator-core's tables and rows in $schema, written as its role: a
# default workflow, a task of its own, products of two types, the
# processes table its soft delete looks at; with $legacy a lower-case
# target that attach leaves alone.
sub setup_core
{
	my ($db, $schema, $legacy) = @_;
	my $s = $schema;
	if ($schema eq 'public')
	{
		# the database's owner owns public (pg_database_owner, 15)
		$source->safe_psql('postgres', "CREATE DATABASE $db OWNER wr_orch");
	}
	else
	{
		$source->safe_psql('postgres', "CREATE DATABASE $db");
		$source->safe_psql($db, "CREATE SCHEMA $s AUTHORIZATION wr_orch");
	}
	$source->safe_psql($db,
		"SET ROLE wr_orch; SET search_path = $s;\n" . $ddl . qq{
CREATE TABLE $s.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES $s.workflows (workflow_id));
INSERT INTO $s.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active'),
    ('User external', 'External user', 'User', 'USER_EXT', 'active');
INSERT INTO $s.workflows (name, target, description) VALUES ('modify_note', 'MODIFY', 'Modify Note');
INSERT INTO $s.workflows (name, target, description, is_task)
VALUES ('task_validate_products', 'SYSTEM', 'Validate products', true);
INSERT INTO $s.products_workflows
SELECT p.product_id, w.workflow_id FROM $s.products AS p, $s.workflows AS w
WHERE w.name = 'modify_note';
});
	$source->safe_psql($db, qq{
SET ROLE wr_orch;
INSERT INTO $s.workflows (name, target, description) VALUES ('lower_case', 'create', 'Lower-case target');
INSERT INTO $s.products_workflows
SELECT p.product_id, w.workflow_id FROM $s.products AS p, $s.workflows AS w
WHERE w.name = 'lower_case' AND p.product_type = 'User';
}) if $legacy;
}

# The extension, attached, and a registry written through its functions:
# a product, workflows of both types, one limited to a tag, a task, a
# description COPY has to escape, a workflow deleted before it ran (gone)
# and one deleted after (soft-deleted, its process kept).
sub setup_registry
{
	my ($db, $schema) = @_;
	my $s = $schema;
	$source->safe_psql($db, 'CREATE EXTENSION workflow_registry');
	my $attached = $source->safe_psql($db,
		$schema eq 'public'
		? q{SELECT pg_catalog.string_agg(name || ':' || action, ' ' ORDER BY kind, name)
		    FROM workflow_registry.attach_orchestrator_core(target_check => true,
		                                                    link_new_products => true)}
		: qq{SELECT pg_catalog.string_agg(name || ':' || action, ' ' ORDER BY kind, name)
		    FROM workflow_registry.attach_orchestrator_core('$s', target_check => true,
		                                                    link_new_products => true)});
	like($attached, qr/modify_note:default/, "$db: attached, modify_note a default workflow");
	$source->safe_psql($db, qq{
SELECT workflow_registry.create_product('{"name": "User partner", "description": "Partner user", "product_type": "User", "tag": "USER_EXT"}');
SELECT workflow_registry.create_workflow(w)
FROM pg_catalog.jsonb_array_elements('[
    {"name": "create_user_group", "target": "CREATE",    "description": "Create user group", "product_type": "UserGroup"},
    {"name": "create_user",       "target": "CREATE",    "description": "Create user",       "product_type": "User"},
    {"name": "modify_user",       "target": "MODIFY",    "description": "Modify external user",
     "product_type": "User", "product_tag": "USER_EXT"},
    {"name": "terminate_user",    "target": "TERMINATE", "description": "Terminate user",    "product_type": "User"},
    {"name": "reconcile_user",    "target": "RECONCILE", "description": "Reconcile\\tuser \\"links\\"\\nsecond line, ünïcødé ✓",
     "product_type": "User"},
    {"name": "validate_group",    "target": "VALIDATE",  "description": "Validate group",    "product_type": "UserGroup"}
]') AS w;
SELECT workflow_registry.create_task('{"name": "task_clean_up", "description": "Clean up"}');
INSERT INTO $s.processes (workflow_id) SELECT workflow_id FROM $s.workflows WHERE name = 'terminate_user';
SELECT workflow_registry.delete_workflow('terminate_user');
SELECT workflow_registry.delete_workflow('validate_group');
});
	is( $source->safe_psql($db, qq{
SELECT pg_catalog.string_agg(w.name || ':' || (w.deleted_at IS NOT NULL) || ':'
    || (SELECT pg_catalog.count(*) FROM $s.products_workflows AS pw WHERE pw.workflow_id = w.workflow_id),
    ' ' ORDER BY w.name)
FROM $s.workflows AS w WHERE w.name IN ('terminate_user', 'validate_group', 'create_user')}),
		'create_user:false:3 terminate_user:true:0',
		"$db: the source has a soft-deleted workflow without links and a hard-deleted one is gone");
}

# The tables to compare: orchestrator-core's and the extension's, each with
# its columns in order.
sub tables
{
	my ($node, $db, $schema) = @_;
	my $out = $node->safe_psql($db, qq{
SELECT n.nspname || '.' || c.relname,
       pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ' ' ORDER BY a.attnum)
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
WHERE n.nspname IN ('workflow_registry', '$schema') AND c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped
GROUP BY 1 ORDER BY 1});
	my %tables;
	for my $line (split /\n/, $out)
	{
		my ($table, $columns) = split /\|/, $line;
		$tables{$table} = [ split / /, $columns ];
	}
	return \%tables;
}

# CREATE EXTENSION writes the ledger's extension rows again on restore, at
# its own clock time; all else must come back exactly.
my %column_expr = (
	'workflow_registry.migrations' => {
		applied_at =>
		  q{CASE WHEN kind = 'extension' THEN NULL ELSE applied_at END}
	});

sub rows
{
	my ($node, $db, $table, $columns) = @_;
	my $list = join(', ', map { $column_expr{$table}{$_} // $_ } @$columns);
	my $order = join(', ', 1 .. scalar(@$columns));
	return $node->safe_psql($db,
		"COPY (SELECT $list FROM $table ORDER BY $order) TO STDOUT");
}

# What attach put on orchestrator-core's tables and granted its role.
sub guards
{
	my ($node, $db, $schema) = @_;
	return $node->safe_psql($db, qq{
SELECT 'constraint ' || c.conrelid::pg_catalog.regclass || ' ' || c.conname || ' '
    || pg_catalog.pg_get_constraintdef(c.oid) || ' validated ' || c.convalidated
FROM pg_catalog.pg_constraint AS c
JOIN pg_catalog.pg_class AS r ON r.oid = c.conrelid
WHERE r.relnamespace = '$schema'::pg_catalog.regnamespace AND c.contype = 'c'
UNION ALL
SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::pg_catalog.text
FROM pg_catalog.pg_trigger AS t
JOIN pg_catalog.pg_class AS r ON r.oid = t.tgrelid
WHERE r.relnamespace = '$schema'::pg_catalog.regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'owner ' || c.relname || ' ' || c.relowner::pg_catalog.regrole
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace = '$schema'::pg_catalog.regnamespace AND c.relkind = 'r'
UNION ALL
SELECT 'wr_orch may ' || p || ' attached_workflows: '
    || pg_catalog.has_table_privilege('wr_orch', 'workflow_registry.attached_workflows', p)
FROM pg_catalog.unnest('{SELECT,INSERT,UPDATE,DELETE}'::pg_catalog.text[]) AS p
UNION ALL
SELECT 'wr_orch may use schema workflow_registry: '
    || pg_catalog.has_schema_privilege('wr_orch', 'workflow_registry', 'USAGE')
ORDER BY 1});
}

# The same things done in the source and in every copy, reported by name,
# never by id: orchestrator-core's own writes, the functions, detach.
sub exercise
{
	my ($node, $db, $schema) = @_;
	my $s = $schema;
	my @report;
	my ($ret, $out, $err);

	# the registry as orchestrator-core's API reads it
	my $offered = qq{
SELECT pg_catalog.string_agg(o, E'\\n' ORDER BY o COLLATE "C") FROM (
    SELECT w.name || ' ' || w.target || ' task ' || w.is_task || ' deleted ' || (w.deleted_at IS NOT NULL)
        || ': ' || coalesce(pg_catalog.string_agg(p.name, ', ' ORDER BY p.name COLLATE "C"), '')
        || ' | ' || coalesce(m.product_type, '-') || ' ' || coalesce(m.product_tag, '-')
        || ' ' || coalesce(m.is_default::pg_catalog.text, 'unmanaged') AS o
    FROM $s.workflows AS w
    LEFT JOIN $s.products_workflows AS pw ON pw.workflow_id = w.workflow_id
    LEFT JOIN $s.products AS p ON p.product_id = pw.product_id
    LEFT JOIN workflow_registry.attached_workflows AS m ON m.workflow_id = w.workflow_id
    GROUP BY w.name, w.target, w.is_task, w.deleted_at, m.product_type, m.product_tag, m.is_default) AS x};

	# orchestrator-core's own writer: a lower-case target is refused
	($ret, $out, $err) = $node->psql($db, qq{SET ROLE wr_orch;
INSERT INTO $s.workflows (name, target, description) VALUES ('create_thing', 'create', 'Lower-case')});
	push @report, "lower-case insert: exit $ret, "
	  . ($err =~ /violates check constraint "(\w+)"/ ? "refused by $1" : "error: $err");
	# and an upper-case one is not (not linked: orchestrator-core's own)
	($ret, $out, $err) = $node->psql($db, qq{SET ROLE wr_orch;
INSERT INTO $s.workflows (name, target, description) VALUES ('create_thing', 'CREATE', 'Upper-case')});
	push @report, "upper-case insert: exit $ret $err";

	# a product it inserts is linked to the workflows of its type and tag
	# and to the default ones
	($ret, $out, $err) = $node->psql($db, qq{SET ROLE wr_orch;
INSERT INTO $s.products (name, description, product_type, tag, status)
VALUES ('User guest', 'Guest user', 'User', 'USER_EXT', 'active');
INSERT INTO $s.products (name, description, product_type, tag, status)
VALUES ('User Group 2', 'Second group', 'UserGroup', 'GROUP', 'active')});
	push @report, "products inserted by the owner: exit $ret $err";
	push @report, "after the owner's inserts:\n" . $node->safe_psql($db, $offered);

	# the functions, attached, in the restored tables
	($ret, $out, $err) = $node->psql($db, qq{
SELECT workflow_registry.create_workflow('{"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User", "product_tag": "USER_INT"}') IS NOT NULL;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}')
     = (SELECT workflow_id FROM $s.workflows WHERE name = 'create_user');
-- the soft-deleted workflow's name registered again brings its row back
SELECT workflow_registry.create_workflow('{"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}')
     = (SELECT workflow_id FROM $s.processes);
SELECT workflow_registry.create_product('{"name": "User partner 2", "description": "Partner user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL;
INSERT INTO $s.processes (workflow_id) SELECT workflow_id FROM $s.workflows WHERE name = 'create_user';
SELECT workflow_registry.delete_workflow('create_user');
SELECT workflow_registry.delete_workflow('create_user_group');
SELECT workflow_registry.delete_workflow('create_user_group', if_exists => true);
SELECT workflow_registry.create_task('{"name": "task_clean_up", "description": "Clean up"}') IS NOT NULL;
});
	push @report, "functions: exit $ret\n$out\n$err";
	($ret, $out, $err) = $node->psql($db, q{
SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "create", "description": "Lower", "product_type": "UserGroup"}')});
	push @report, "function refuses a lower-case target: exit $ret " . ($err =~ /(ERROR: .*)$/m ? $1 : $err);
	push @report, "after the functions:\n" . $node->safe_psql($db, $offered);
	push @report, "ledger:\n" . $node->safe_psql($db, q{
SELECT pg_catalog.string_agg(version || ' ' || kind || ' ' || state, E'\n' ORDER BY rank)
FROM workflow_registry.migration_history WHERE kind = 'data'});

	# detach: the guards and the records go, orchestrator-core's rows stay
	($ret, $out, $err) = $node->psql($db, 'SELECT workflow_registry.detach_orchestrator_core()');
	push @report, "detach: exit $ret $err";
	push @report, "after detach:\n" . $node->safe_psql($db, qq{
SELECT 'checks ' || (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint
                     WHERE conrelid = '$s.workflows'::pg_catalog.regclass AND contype = 'c')
    || ', triggers ' || (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger
                         WHERE tgrelid = '$s.products'::pg_catalog.regclass AND NOT tgisinternal)
    || ', attachments ' || (SELECT pg_catalog.count(*) FROM workflow_registry.attachment)
    || ', attached workflows ' || (SELECT pg_catalog.count(*) FROM workflow_registry.attached_workflows)
    || ', core workflows ' || (SELECT pg_catalog.count(*) FROM $s.workflows)
    || ', wr_orch may insert attached_workflows '
    || pg_catalog.has_table_privilege('wr_orch', 'workflow_registry.attached_workflows', 'INSERT')});
	push @report, "ledger after detach:\n" . $node->safe_psql($db, q{
SELECT pg_catalog.string_agg(version || ' ' || kind || ' ' || state, E'\n' ORDER BY rank)
FROM workflow_registry.migration_history WHERE kind = 'data'});
	# with the guards gone, orchestrator-core writes as it likes and its
	# products are linked to nothing; the functions use the extension's
	# own tables again
	($ret, $out, $err) = $node->psql($db, qq{SET ROLE wr_orch;
INSERT INTO $s.workflows (name, target, description) VALUES ('create_other', 'create', 'Lower-case');
INSERT INTO $s.products (name, description, product_type, tag, status)
VALUES ('User late', 'Late user', 'User', 'USER_INT', 'active');
SELECT pg_catalog.count(*) FROM $s.products_workflows AS pw JOIN $s.products AS p USING (product_id)
WHERE p.name = 'User late'});
	push @report, "owner's writes after detach: exit $ret, links of the new product $out $err";
	($ret, $out, $err) = $node->psql($db, q{
SELECT workflow_registry.create_product('{"name": "Own", "description": "Own", "product_type": "Own", "tag": "OWN"}') IS NOT NULL;
SELECT pg_catalog.count(*) FROM workflow_registry.products});
	push @report, "the extension's own tables after detach: exit $ret $out $err";

	return join("\n", @report) . "\n";
}

my $compared = 0;

# Set up $db, dump it both ways, restore four copies, compare each with the
# source; then exercise the source and each copy and compare the outcomes.
sub dump_restore_compare
{
	my ($db, $schema, $legacy) = @_;

	setup_core($db, $schema, $legacy);
	setup_registry($db, $schema);

	my $source_guards = guards($source, $db, $schema);
	like($source_guards,
		qr/constraint \S+ workflow_registry_target CHECK \(workflow_registry\.valid_target\(target\)\)( NOT VALID)? validated ${\ ($legacy ? 'false' : 'true')}/,
		"$db: the source has the CHECK, " . ($legacy ? 'not validated' : 'validated'));
	like($source_guards, qr/trigger CREATE TRIGGER workflow_registry_link_new_product AFTER INSERT/,
		"$db: the source has the trigger");
	is( $source->safe_psql($db, q{
SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE kind = 'data' AND version LIKE 'attach-%'}),
		1, "$db: the source's ledger records the attachment");

	my $file = "$tempdir/$db.dump";
	my ($rc, $out, $err) =
	  run_client('pg_dump', '-Fc', '-f', $file, '-d', $source->connstr($db));
	is($rc, 0, "pg_dump -Fc of $db succeeds");
	is($err, '', "pg_dump -Fc of $db prints nothing on stderr");
	my $sqlfile = "$tempdir/$db.sql";
	($rc, $out, $err) =
	  run_client('pg_dump', '-f', $sqlfile, '-d', $source->connstr($db));
	is($rc, 0, "pg_dump (plain) of $db succeeds");
	is($err, '', "pg_dump (plain) of $db prints nothing on stderr");

	my @copies = (
		[ $source, "${db}_restored", 'pg_restore' ],
		[ $other, $db, 'pg_restore', '--single-transaction' ],
		[ $other, "${db}_parallel", 'pg_restore', '--jobs=2' ],
		[ $source, "${db}_plain", 'psql' ]);
	for my $copy (@copies)
	{
		my ($node, $newdb, $how, @options) = @$copy;
		my $where = $node->name . " database $newdb ($how" . join('', map { " $_" } @options) . ')';

		$node->safe_psql('postgres',
			"CREATE DATABASE $newdb TEMPLATE template0"
			  . ($schema eq 'public' ? ' OWNER wr_orch' : ''));
		if ($how eq 'pg_restore')
		{
			($rc, $out, $err) = run_client('pg_restore', @options, '-d',
				$node->connstr($newdb), $file);
		}
		else
		{
			($rc, $out, $err) = run_client('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
				'-d', $node->connstr($newdb), '-f', $sqlfile);
		}
		is($rc, 0, "$where: the restore succeeds");
		is($err, '', "$where: the restore prints nothing on stderr");
		unlike($out . $err, qr/ERROR/, "$where: no ERROR in the restore's output");

		is(guards($node, $newdb, $schema), $source_guards,
			"$where: the same CHECK, trigger, owners and grants as the source");

		my $source_tables = tables($source, $db, $schema);
		is_deeply(tables($node, $newdb, $schema), $source_tables,
			"$where: the same tables and columns as the source");
		for my $table (sort keys %$source_tables)
		{
			my $before = rows($source, $db, $table, $source_tables->{$table});
			my $n = scalar(split /\n/, $before);
			is(rows($node, $newdb, $table, $source_tables->{$table}), $before,
				"$where: $table equal to the source row for row, $n rows");
			$compared += $n;
		}
	}

	# The comparisons must see a loss: a copy restored from the same dump
	# that lost its trigger, its CHECK and one record differs from the
	# source in each of them.
	my $broken_copy;
	if ($schema eq 'public')
	{
		$broken_copy = "${db}_broken";
		$source->safe_psql('postgres',
			"CREATE DATABASE $broken_copy TEMPLATE template0 OWNER wr_orch");
		($rc, $out, $err) = run_client('pg_restore', '-d',
			$source->connstr($broken_copy), $file);
		is($rc, 0, "$db: the copy to break is restored");
		$source->safe_psql($broken_copy, q{
DROP TRIGGER workflow_registry_link_new_product ON public.products;
ALTER TABLE public.workflows DROP CONSTRAINT workflow_registry_target;
DELETE FROM workflow_registry.attached_workflows
WHERE workflow_id = (SELECT workflow_id FROM public.workflows WHERE name = 'modify_user')});
		isnt(guards($source, $broken_copy, $schema), $source_guards,
			"$db: the comparison of guards notices a lost trigger and CHECK");
		my $t = tables($source, $db, $schema);
		my $table = 'workflow_registry.attached_workflows';
		isnt(rows($source, $broken_copy, $table, $t->{$table}),
			rows($source, $db, $table, $t->{$table}),
			"$db: the comparison of rows notices a lost record");
	}

	# Now the source, and then each copy, goes its own way.
	my $expected = exercise($source, $db, $schema);
	note("$db: the source after the same steps:\n$expected");
	# What the source does is attach.sql's business; a few landmarks, so a
	# comparison of two broken outcomes cannot pass.
	like($expected, qr/^lower-case insert: exit 3, refused by workflow_registry_target$/m,
		"$db: in the source the CHECK refuses the owner's lower-case target");
	like($expected, qr/^upper-case insert: exit 0 $/m,
		"$db: in the source the owner's upper-case target is accepted");
	like($expected, qr/^modify_user MODIFY task false deleted false: User external, User guest, User partner \| User USER_EXT false$/m,
		"$db: in the source the trigger links the owner's new product by type and tag");
	like($expected, qr/^modify_note MODIFY task false deleted false: User Group, User Group 2, User external, User guest, User internal, User partner, User partner 2 \| - - true$/m,
		"$db: in the source a default workflow is linked to every product");
	like($expected, qr/^terminate_user TERMINATE task false deleted false: User external, User guest, User internal, User partner, User partner 2 /m,
		"$db: in the source the soft-deleted workflow comes back, linked");
	my ($after_functions) = $expected =~ /^after the functions:\n(.*?)^ledger:$/ms;
	like($after_functions, qr/^create_user CREATE task false deleted true:  \| - - unmanaged$/m,
		"$db: in the source a workflow that ran is soft-deleted, without links or record");
	like($expected, qr/^detach: exit 0 \nafter detach:\nchecks 0, triggers 0, attachments 0, attached workflows 0/m,
		"$db: in the source detach removes the guards and the records");
	like($expected, qr/^owner's writes after detach: exit 0, links of the new product 0 $/m,
		"$db: in the source, detached, the owner's writes are not guarded");
	unlike($after_functions // 'missing', qr/^create_user_group |missing/m,
		"$db: in the source a workflow that never ran is deleted");

	for my $copy (@copies)
	{
		my ($node, $newdb) = @$copy;
		is(exercise($node, $newdb, $schema), $expected,
			$node->name . " database $newdb: the owner's writes, the functions and detach end as in the source");
	}
	return unless $broken_copy;
	my $broken = exercise($source, $broken_copy, $schema);
	isnt($broken, $expected, "$db: the comparison of outcomes notices the loss");
	like($broken, qr/^lower-case insert: exit 0/m,
		"$db: without its CHECK the broken copy takes a lower-case target");
	like($broken, qr/^modify_user MODIFY task false deleted false: User external, User partner \| - - unmanaged$/m,
		"$db: without its trigger and record the broken copy does not link the owner's new product");
}

dump_restore_compare('attached', 'public', 0);

dump_restore_compare('attached_legacy', 'oc', 1);

note("rows compared after restore: $compared");
ok($compared > 0, "$compared rows compared after restore in all");

done_testing();
