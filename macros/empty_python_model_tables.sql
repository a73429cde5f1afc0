{#
    Create each Python model's table, empty, with the data_type of its
    columns in YAML, unless the table exists. dbt unit tests read the
    column types of every input relation, so Gold's unit tests need
    taxi_tip_scored to exist even where the Python models cannot run (the
    session method of dbt-spark runs SQL models only):

        dbt run-operation create_empty_python_model_tables --target spark

    A Python model with no typed column is skipped. An existing table is
    left as it is, so this never empties a table that a build filled.
#}
{% macro create_empty_python_model_tables() %}
    {%- set models = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('language', 'equalto', 'python') | list -%}
    {%- for model in models | sort(attribute='unique_id') -%}
        {%- set typed = model.columns.values()
            | selectattr('data_type') | list -%}
        {%- if typed | length == 0 -%}
            {{ log(
                'Skipped ' ~ model.name ~ ': no column has a data_type',
                info=true,
            ) }}
        {%- else -%}
            {%- set relation = api.Relation.create(
                database=model.database,
                schema=model.schema,
                identifier=model.alias,
                type='table',
            ) -%}
            {%- if load_relation(relation) is none -%}
                {%- set columns = [] -%}
                {%- for column in typed -%}
                    {%- do columns.append(
                        'cast(null as ' ~ column.data_type ~ ') as '
                        ~ adapter.quote(column.name)
                    ) -%}
                {%- endfor -%}
                {%- do adapter.create_schema(relation) -%}
                {%- do run_query(create_table_as(
                    false, relation,
                    'select ' ~ columns | join(', ') ~ ' where false'
                )) -%}
                {{ log('Created empty ' ~ relation, info=true) }}
            {%- else -%}
                {{ log('Kept existing ' ~ relation, info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}
