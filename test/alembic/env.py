# A minimal online-only alembic environment, as "alembic init" makes one:
# every run is one transaction on PostgreSQL, so a migration that raises
# leaves neither its rows nor a new alembic_version behind.
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
