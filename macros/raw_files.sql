{#
    Reading raw TLC trip files named by the raw_trips_path var. Every check
    here runs while dbt compiles taxi_trips_raw, so bad input stops the
    build before any table is replaced.
#}

{#
    Header names of each TLC yellow-taxi file layout, lower-cased, from the
    TLC's published files of each period and the snake_case copies of
    later files that circulate renamed.
#}
{% macro tlc_file_layouts() -%}
    {{ return({
        '2009': [
            'vendor_name', 'trip_pickup_datetime', 'trip_dropoff_datetime',
            'passenger_count', 'trip_distance', 'start_lon', 'start_lat',
            'rate_code', 'store_and_forward', 'end_lon', 'end_lat',
            'payment_type', 'fare_amt', 'surcharge', 'mta_tax', 'tip_amt',
            'tolls_amt', 'total_amt',
        ],
        '2010-2014': [
            'vendor_id', 'pickup_datetime', 'dropoff_datetime',
            'passenger_count', 'trip_distance', 'pickup_longitude',
            'pickup_latitude', 'rate_code', 'store_and_fwd_flag',
            'dropoff_longitude', 'dropoff_latitude', 'payment_type',
            'fare_amount', 'surcharge', 'mta_tax', 'tip_amount',
            'tolls_amount', 'total_amount',
        ],
        '2015 to June 2016': [
            'vendorid', 'tpep_pickup_datetime', 'tpep_dropoff_datetime',
            'passenger_count', 'trip_distance', 'pickup_longitude',
            'pickup_latitude', 'ratecodeid', 'store_and_fwd_flag',
            'dropoff_longitude', 'dropoff_latitude', 'payment_type',
            'fare_amount', 'extra', 'mta_tax', 'tip_amount', 'tolls_amount',
            'improvement_surcharge', 'total_amount',
        ],
        'July 2016 on': [
            'vendorid', 'tpep_pickup_datetime', 'tpep_dropoff_datetime',
            'passenger_count', 'trip_distance', 'ratecodeid',
            'store_and_fwd_flag', 'pulocationid', 'dolocationid',
            'payment_type', 'fare_amount', 'extra', 'mta_tax', 'tip_amount',
            'tolls_amount', 'improvement_surcharge', 'total_amount',
            'congestion_surcharge', 'airport_fee',
        ],
        'snake_case renamed, July 2016 on': [
            'vendor_id', 'pickup_datetime', 'dropoff_datetime',
            'passenger_count', 'trip_distance', 'rate_code_id',
            'store_and_fwd_flag', 'pickup_location_id', 'dropoff_location_id',
            'payment_type', 'fare_amount', 'extra', 'mta_tax', 'tip_amount',
            'tolls_amount', 'improvement_surcharge', 'total_amount',
            'congestion_surcharge',
        ],
    }) }}
{%- endmacro %}


{# Canonical columns without which no trip of a file could be kept. #}
{% macro tlc_required_columns() -%}
    {{ return([
        'pickup_datetime', 'dropoff_datetime', 'trip_distance',
        'fare_amount', 'tip_amount', 'payment_type',
    ]) }}
{%- endmacro %}


{#
    Check that a file's header names map to the canonical columns the
    pipeline needs; raise an error that names the file, what is missing,
    what was found and the closest known layout otherwise.
#}
{% macro check_trip_file_columns(file_name, column_names) -%}
    {%- set found = column_names | map('trim') | map('lower') | list -%}
    {%- set aliases = tlc_column_aliases() -%}
    {%- set missing = [] -%}
    {%- for canonical in tlc_required_columns() -%}
        {%- if not (aliases[canonical] | select('in', found) | list) -%}
            {%- do missing.append(canonical) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set coordinate_count = namespace(value=0) -%}
    {%- for canonical in [
        'pickup_longitude', 'pickup_latitude',
        'dropoff_longitude', 'dropoff_latitude',
    ] -%}
        {%- if aliases[canonical] | select('in', found) | list -%}
            {%- set coordinate_count.value = coordinate_count.value + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set has_zones = (aliases['pickup_location_id'] | select('in', found) | list)
        and (aliases['dropoff_location_id'] | select('in', found) | list) -%}
    {%- if coordinate_count.value < 4 and not has_zones -%}
        {%- do missing.append(
            'pickup and dropoff coordinates or location ids'
        ) -%}
    {%- endif -%}
    {%- if missing -%}
        {%- set best = namespace(layout='none', matched=-1, size=0) -%}
        {%- for layout, layout_names in tlc_file_layouts().items() -%}
            {%- set matched = layout_names | select('in', found) | list | length -%}
            {%- if matched > best.matched -%}
                {%- set best.layout = layout -%}
                {%- set best.matched = matched -%}
                {%- set best.size = layout_names | length -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set separators = [';', '\t', '|'] | select(
            'in', column_names | join('')) | list -%}
        {%- if column_names | length == 1 and separators -%}
            {{ exceptions.raise_compiler_error(
                "raw_trips_path file '" ~ file_name ~ "' is not comma "
                ~ "separated: its header '" ~ column_names[0] ~ "' reads as "
                ~ "one column split by '" ~ separators[0] ~ "'. Convert it "
                ~ "to commas, as in the TLC's files."
            ) }}
        {%- endif -%}
        {%- if best.matched > 0 -%}
            {%- set closest = "closest layout is " ~ best.layout ~ " ("
                ~ best.matched ~ " of " ~ best.size ~ " columns)" -%}
        {%- else -%}
            {%- set closest = "no TLC layout shares a column with it" -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "raw_trips_path file '" ~ file_name ~ "' has no known TLC layout: "
            ~ "missing " ~ (missing | join(', ')) ~ "; found columns "
            ~ (column_names | join(', ')) ~ "; " ~ closest ~ ". Rename its "
            ~ "header to a TLC layout or leave the file out of "
            ~ "raw_trips_path."
        ) }}
    {%- endif -%}
{%- endmacro %}


{#
    A from-expression that reads every file matching path, and the union of
    their column names. Dispatched: only DuckDB reads files here.
#}
{% macro raw_trip_files(path) -%}
    {{ return(adapter.dispatch('raw_trip_files', 'taxi_tips')(path)) }}
{%- endmacro %}

{% macro default__raw_trip_files(path) -%}
    {{ exceptions.raise_compiler_error(
        "raw_trips_path is read only on the DuckDB target, not on "
        ~ target.type ~ ". Load the files into the tables of the tlc "
        ~ "source instead and set raw_trips_from_seeds to false."
    ) }}
{%- endmacro %}

{% macro duckdb__raw_trip_files(path) -%}
    {%- set quoted_path = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- if not execute -%}
        {{ return({'from': 'read_csv(' ~ quoted_path ~ ')', 'columns': []}) }}
    {%- endif -%}

    {%- set files = run_query(
        'select file from glob(' ~ quoted_path ~ ') order by file'
    ).columns[0].values() | list -%}
    {%- if not files -%}
        {{ exceptions.raise_compiler_error(
            "raw_trips_path '" ~ path ~ "' matches no file. Give the path of "
            ~ "a CSV or parquet file, or a glob such as "
            ~ "'data/yellow_tripdata_2019-*.parquet' (for a folder, add "
            ~ "'/*.csv' or '/*.parquet')."
        ) }}
    {%- endif -%}

    {%- set formats = [] -%}
    {%- for file in files -%}
        {%- set lowered = file | lower -%}
        {%- if lowered.endswith('.parquet') -%}
            {%- do formats.append('parquet') -%}
        {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') -%}
            {%- do formats.append('csv') -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "raw_trips_path file '" ~ file ~ "' is neither CSV (.csv, "
                ~ ".csv.gz) nor parquet (.parquet). Narrow the glob to the "
                ~ "trip files."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if formats | unique | list | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "raw_trips_path '" ~ path ~ "' matches both CSV and parquet "
            ~ "files. Convert them to one format or build each format with "
            ~ "its own glob."
        ) }}
    {%- endif -%}
    {%- set file_format = formats[0] -%}

    {%- set sizes = run_query(
        'select filename, size from read_blob(' ~ quoted_path ~ ')'
    ) -%}
    {%- set empty_files = [] -%}
    {%- set small_files = [] -%}
    {%- for row in sizes.rows -%}
        {%- if row[1] == 0 -%}
            {%- do empty_files.append(row[0]) -%}
        {%- elif row[1] < 65536 -%}
            {%- do small_files.append(row[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if empty_files -%}
        {{ exceptions.raise_compiler_error(
            "raw_trips_path file '" ~ empty_files[0] ~ "' is empty (0 "
            ~ "bytes). Download it again or leave it out of raw_trips_path."
        ) }}
    {%- endif -%}

    {%- set column_names = [] -%}
    {%- set seen = [] -%}
    {%- for file in files -%}
        {%- set file_columns = run_query(
            'describe select * from '
            ~ duckdb_trip_file_reader("'" ~ (file | replace("'", "''")) ~ "'",
                file_format, union=false)
        ).columns[0].values() | list -%}
        {%- do check_trip_file_columns(file, file_columns) -%}
        {#- A header without rows is cheap to find in a small file. -#}
        {%- if file in small_files -%}
            {%- set row_count = run_query(
                'select count(*) from ' ~ duckdb_trip_file_reader(
                    "'" ~ (file | replace("'", "''")) ~ "'",
                    file_format, union=false)
            ).rows[0][0] -%}
            {%- if row_count == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "raw_trips_path file '" ~ file ~ "' has a header but no "
                    ~ "trips. Download it again or leave it out of "
                    ~ "raw_trips_path."
                ) }}
            {%- endif -%}
        {%- endif -%}
        {%- for name in file_columns -%}
            {%- if (name | trim | lower) not in seen -%}
                {%- do seen.append(name | trim | lower) -%}
                {%- do column_names.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}

    {{ return({
        'from': duckdb_trip_file_reader(quoted_path, file_format, union=true),
        'columns': column_names,
        'format': file_format,
    }) }}
{%- endmacro %}


{#
    DuckDB reader for TLC files; with union, it reads every matching file
    by column name and adds each row's file name (and, for parquet, its
    row number in the file). The dialect is given, not sniffed, because
    the sniffer fails on the blank line after the header of the 2009-2014
    and 2017 files. null_padding keeps rows with fewer fields than the
    header; the 2016-07 to 2016-12 files have 19 fields under 17 names, and
    the two unnamed fields are read as extra columns that no canonical
    column uses. Blank lines produce no row.
#}
{% macro duckdb_trip_file_reader(quoted_path, file_format, union) -%}
    {%- if file_format == 'parquet' -%}
        read_parquet(
            {{ quoted_path }},
            union_by_name = {{ union }},
            filename = {{ union }},
            file_row_number = {{ union }}
        )
    {%- else -%}
        read_csv(
            {{ quoted_path }},
            delim = ',',
            quote = '"',
            escape = '"',
            header = true,
            all_varchar = true,
            null_padding = true,
            strict_mode = false,
            union_by_name = {{ union }},
            filename = {{ union }}
        )
    {%- endif -%}
{%- endmacro %}
