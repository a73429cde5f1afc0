{#
    taxi_tip_train and taxi_tip_test share no trip, together hold every
    feature row, and the test share is near test_split_percent: within
    split_tolerance_percent, or within three standard errors of a
    binomial share where there are too few trips for that.
    Returns one row describing the failure, if any.
#}
with

features as (
    select trip_id from {{ ref('taxi_tip_features') }}
),

train as (
    select trip_id from {{ ref('taxi_tip_train') }}
),

test_rows as (
    select trip_id from {{ ref('taxi_tip_test') }}
),

counts as (
    select
        (select count(*) from features) as feature_rows,
        (select count(*) from train) as train_rows,
        (select count(*) from test_rows) as test_rows,
        (
            select count(*)
            from train
            inner join test_rows
                on train.trip_id = test_rows.trip_id
        ) as shared_rows
),

shares as (
    select
        *,
        100.0 * test_rows / nullif(feature_rows, 0) as test_percent,
        {{ var('test_split_percent') }} / 100.0 as expected_share
    from counts
),

final as (
    select
        *,
        greatest(
            {{ var('split_tolerance_percent') }},
            300.0 * sqrt(
                expected_share * (1 - expected_share)
                / nullif(feature_rows, 0)
            )
        ) as tolerance_percent
    from shares
)

select * from final
where
    shared_rows > 0
    or train_rows + test_rows != feature_rows
    or test_percent is null
    or abs(test_percent - {{ var('test_split_percent') }})
    > tolerance_percent
