{#
    taxi_tip_train and taxi_tip_test share no trip, together hold every
    feature row, and the test share is within split_tolerance_percent of
    test_split_percent. Returns one row describing the failure, if any.
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

final as (
    select
        *,
        100.0 * test_rows / nullif(feature_rows, 0) as test_percent
    from counts
)

select * from final
where
    shared_rows > 0
    or train_rows + test_rows != feature_rows
    or test_percent is null
    or abs(test_percent - {{ var('test_split_percent') }})
    > {{ var('split_tolerance_percent') }}
