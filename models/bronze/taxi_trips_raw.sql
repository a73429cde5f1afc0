{#
    Bronze: every raw trip in one canonical schema, values kept as text
    exactly as received (trimmed, empty fields as null). Silver decides
    what parses.
#}
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
{%- if var('raw_trips_from_seeds') %}
    {%- for table_name in raw_tables %}
    -- depends_on: {{ ref(table_name) }}
    {%- endfor %}
{%- endif %}

with

{% for table_name in raw_tables %}
    {{ table_name }} as (
        {{ select_canonical_trip_columns(
            source('tlc', table_name), table_name
        ) }}
    ),

{% endfor %}
unioned as (
    {% for table_name in raw_tables %}
        select * from {{ table_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        *,
        {{ dbt.current_timestamp() }} as loaded_at
    from unioned
)

select * from final
