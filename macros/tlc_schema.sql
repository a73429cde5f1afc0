{#
    The canonical trip columns and the names each TLC era used for them,
    from the TLC's published yellow-taxi data dictionaries and file
    headers (2009, 2010-2014, 2015-2016, 2016-07 on) and the snake_case
    renamed copies. Names match case-insensitively.
#}
{% macro tlc_column_aliases() -%}
    {{ return({
        'vendor_id': ['vendorid', 'vendor_id', 'vendor_name'],
        'pickup_datetime': [
            'tpep_pickup_datetime', 'pickup_datetime', 'trip_pickup_datetime'
        ],
        'dropoff_datetime': [
            'tpep_dropoff_datetime', 'dropoff_datetime', 'trip_dropoff_datetime'
        ],
        'passenger_count': ['passenger_count'],
        'trip_distance': ['trip_distance'],
        'pickup_longitude': ['pickup_longitude', 'start_lon'],
        'pickup_latitude': ['pickup_latitude', 'start_lat'],
        'dropoff_longitude': ['dropoff_longitude', 'end_lon'],
        'dropoff_latitude': ['dropoff_latitude', 'end_lat'],
        'pickup_location_id': ['pulocationid', 'pickup_location_id'],
        'dropoff_location_id': ['dolocationid', 'dropoff_location_id'],
        'rate_code_id': ['ratecodeid', 'rate_code', 'rate_code_id'],
        'store_and_fwd_flag': ['store_and_fwd_flag', 'store_and_forward'],
        'payment_type': ['payment_type'],
        'fare_amount': ['fare_amount', 'fare_amt'],
        'extra': ['extra', 'surcharge'],
        'mta_tax': ['mta_tax'],
        'tip_amount': ['tip_amount', 'tip_amt'],
        'tolls_amount': ['tolls_amount', 'tolls_amt'],
        'improvement_surcharge': ['improvement_surcharge'],
        'congestion_surcharge': ['congestion_surcharge'],
        'airport_fee': ['airport_fee'],
        'total_amount': ['total_amount', 'total_amt'],
    }) }}
{%- endmacro %}


{#
    Types that silver parses the canonical text columns into. Columns not
    listed here (vendor_id, store_and_fwd_flag, payment_type) stay text.
#}
{% macro tlc_typed_columns() -%}
    {{ return({
        'pickup_datetime': 'timestamp',
        'dropoff_datetime': 'timestamp',
        'passenger_count': 'integer',
        'trip_distance': 'double',
        'pickup_longitude': 'double',
        'pickup_latitude': 'double',
        'dropoff_longitude': 'double',
        'dropoff_latitude': 'double',
        'pickup_location_id': 'integer',
        'dropoff_location_id': 'integer',
        'rate_code_id': 'integer',
        'fare_amount': 'double',
        'extra': 'double',
        'mta_tax': 'double',
        'tip_amount': 'double',
        'tolls_amount': 'double',
        'improvement_surcharge': 'double',
        'congestion_surcharge': 'double',
        'airport_fee': 'double',
        'total_amount': 'double',
    }) }}
{%- endmacro %}


{#
    Select the canonical trip columns, as trimmed text, from a relation in
    any TLC era's schema. A canonical column the relation lacks, and an
    empty field, are null.
#}
{% macro select_canonical_trip_columns(relation, source_name) -%}
    {%- set present = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.update({column.name | lower: column.name}) -%}
        {%- endfor -%}
    {%- endif -%}
    select
    {%- for canonical, names in tlc_column_aliases().items() %}
        {%- set matches = names | select('in', present) | list %}
        {%- if matches %}
        nullif(
            trim(cast({{ adapter.quote(present[matches[0]]) }} as {{ dbt.type_string() }})),
            ''
        ) as {{ canonical }},
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ canonical }},
        {%- endif %}
    {%- endfor %}
        '{{ source_name }}' as source_name,
        {{ source_row_number() }} as source_row_number
    from {{ relation }}
{%- endmacro %}


{# Parse one canonical text column into its type, null where it fails. #}
{% macro parse_trip_value(text_expr, data_type) -%}
    {%- if data_type == 'timestamp' -%}
        {{ parse_timestamp(text_expr) }}
    {%- elif data_type == 'integer' -%}
        {#- TLC files write some integer codes as floats, such as 1.0. -#}
        try_cast({{ try_cast_as(text_expr, 'double') }} as integer)
    {%- else -%}
        {{ try_cast_as(text_expr, data_type) }}
    {%- endif -%}
{%- endmacro %}


{#
    Text that identifies a trip by its content, for trip_id. Amounts and
    coordinates enter as integers in millionths, timestamps as formatted
    text, so that DuckDB and Spark build the same string from the same
    values. Two rows with the same key are exact duplicates.
#}
{% macro trip_key_text() -%}
    concat_ws(
        '|',
        {%- for column, data_type in tlc_typed_columns().items() %}
        {%- if data_type == 'timestamp' %}
        coalesce({{ format_timestamp(column) }}, ''),
        {%- elif data_type == 'integer' %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), ''),
        {%- else %}
        coalesce(
            cast(cast(round({{ column }} * 1000000) as bigint) as {{ dbt.type_string() }}),
            ''
        ),
        {%- endif %}
        {%- endfor %}
        coalesce(vendor_id, ''),
        coalesce(store_and_fwd_flag, ''),
        coalesce(payment_type_key, '')
    )
{%- endmacro %}
