{#
    Check the project's vars before dbt runs anything (on-run-start), so a
    bad value stops the run with one message that names it and the fix.
#}
{% macro validate_vars() -%}
    {%- set path = var('raw_trips_path') -%}
    {%- if path is not none and (path is not string or not (path | trim)) -%}
        {%- do _invalid_var('raw_trips_path', path,
            'a CSV or parquet file path or glob as a string, such as '
            ~ '"data/yellow_tripdata_2019-01.csv"') -%}
    {%- endif -%}
    {%- if var('raw_trips_from_seeds') not in [true, false] -%}
        {%- do _invalid_var('raw_trips_from_seeds',
            var('raw_trips_from_seeds'), 'true or false') -%}
    {%- endif -%}

    {%- set split = var('test_split_percent') -%}
    {%- if not _is_number(split) or split < 1 or split > 99
        or split != split | int -%}
        {%- do _invalid_var('test_split_percent', split,
            'a whole number from 1 to 99') -%}
    {%- endif -%}

    {%- for name in [
        'split_tolerance_percent', 'min_trip_duration_min',
        'max_trip_duration_min', 'max_avg_speed_mph', 'min_tip_amount',
        'max_tip_amount', 'min_pct_accurate_within_1usd',
        'max_period_calibration_error_usd',
    ] -%}
        {%- if not _is_number(var(name)) or var(name) < 0 -%}
            {%- do _invalid_var(name, var(name), 'a number of 0 or more') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('min_trip_duration_min') >= var('max_trip_duration_min') -%}
        {%- do _invalid_var('min_trip_duration_min',
            var('min_trip_duration_min'),
            'a number below max_trip_duration_min ('
            ~ var('max_trip_duration_min') ~ ')') -%}
    {%- endif -%}
    {%- if var('min_tip_amount') > var('max_tip_amount') -%}
        {%- do _invalid_var('min_tip_amount', var('min_tip_amount'),
            'a number at most max_tip_amount (' ~ var('max_tip_amount') ~ ')') -%}
    {%- endif -%}
    {%- if var('min_pct_accurate_within_1usd') > 100 -%}
        {%- do _invalid_var('min_pct_accurate_within_1usd',
            var('min_pct_accurate_within_1usd'), 'a percentage from 0 to 100') -%}
    {%- endif -%}

    {%- set area = var('nyc_area') -%}
    {%- set area_keys = [
        'min_longitude', 'max_longitude', 'min_latitude', 'max_latitude',
    ] -%}
    {%- set area_ok = namespace(value=area is mapping) -%}
    {%- for key in area_keys if area_ok.value -%}
        {%- if key not in area or not _is_number(area[key]) -%}
            {%- set area_ok.value = false -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not area_ok.value
        or area['min_longitude'] >= area['max_longitude']
        or area['min_latitude'] >= area['max_latitude'] -%}
        {%- do _invalid_var('nyc_area', area,
            'a mapping of min_longitude < max_longitude and min_latitude < '
            ~ 'max_latitude, in degrees') -%}
    {%- endif -%}

    {%- if var('ml_settings') is not mapping -%}
        {%- do _invalid_var('ml_settings', var('ml_settings'),
            'a mapping of ml package settings, such as {use_registry: false}') -%}
    {%- endif -%}
    {%- if var('ml_param_grid') is not mapping or not var('ml_param_grid') -%}
        {%- do _invalid_var('ml_param_grid', var('ml_param_grid'),
            'a mapping of GradientBoostingRegressor parameters to lists of '
            ~ 'values') -%}
    {%- endif -%}
{%- endmacro %}


{# True for a finite number; booleans, NaN and infinities are not. #}
{% macro _is_number(value) -%}
    {{ return(value is number and value is not sameas true
        and value is not sameas false and value == value
        and value < 1e300 and value > -1e300) }}
{%- endmacro %}


{% macro _invalid_var(name, value, expected) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid var " ~ name ~ ": " ~ (value | tojson) ~ ". Expected "
        ~ expected ~ ". Set it in dbt_project.yml or with --vars."
    ) }}
{%- endmacro %}


{#
    Stop before taxi_tip_features is replaced when the cleaned trips hold no
    credit-card trip, because tips are recorded only for card payments and
    the model would have nothing to learn from.
#}
{% macro check_card_trips_present() -%}
    {%- if execute -%}
        {%- set counts = run_query(
            'select count(*), '
            ~ 'sum(case when is_credit_card then 1 else 0 end) '
            ~ 'from ' ~ ref('taxi_trips_cleaned')
        ).rows[0] -%}
        {%- if not counts[1] -%}
            {{ exceptions.raise_compiler_error(
                "taxi_trips_cleaned has " ~ counts[0] ~ " trips and none paid "
                ~ "by credit card; tips are recorded only for card payments, "
                ~ "so there is nothing to train on. Check the payment_type "
                ~ "codes of the input (see the payment_types seed) or add "
                ~ "files with card trips to raw_trips_path."
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
