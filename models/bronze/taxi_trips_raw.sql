{#
    Bronze: every raw trip in one canonical schema, values kept as text
    exactly as received (trimmed, empty fields as null). Silver decides
    what parses. The trips come from the raw_trips_path files when that var
    is set, else from the tables of the tlc source.
#}
{%- set raw_trips_path = var('raw_trips_path') -%}
{%- set raw_tables = [
    'raw_yellow_tripdata_2016_01',
    'raw_yellow_tripdata_2016_03',
] -%}

{#-
    The demo trips are dbt seeds behind the tlc source. A source does not
    make dbt build wait for the seed, so name the seeds as dependencies
    too; set raw_trips_from_seeds to false when the source tables are
    loaded some other way.
#}
{%- if var('raw_trips_from_seeds') and not raw_trips_path %}
    {%- for table_name in raw_tables %}
    -- depends_on: {{ ref(table_name) }}
    {%- endfor %}
{%- endif %}

with

{% if raw_trips_path %}
    {%- set files = raw_trip_files(raw_trips_path) %}
    unioned as (
        {{ select_canonical_trip_columns(
            files['from'],
            files['columns'],
            'filename',
            'file_row_number + 1' if files['format'] == 'parquet'
            else 'row_number() over (partition by filename)',
        ) }}
    ),
{% else %}
    {% for table_name in raw_tables %}
        {{ table_name }} as (
            {%- set relation = source('tlc', table_name) %}
            {{ select_canonical_trip_columns(
                relation,
                relation_column_names(relation),
                "'" ~ table_name ~ "'",
                source_row_number(),
            ) }}
        ),

    {% endfor %}
    unioned as (
        {% for table_name in raw_tables %}
            select * from {{ table_name }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ),
{% endif %}

final as (
    select
        *,
        {{ dbt.current_timestamp() }} as loaded_at
    from unioned
)

select * from final
