{#
    The scoring model must beat both reference predictors (the training
    mean tip, and the median tip rate times the fare) on the test rows by
    mean absolute error. Returns one row per reference predictor that the
    model does not beat.
#}
with

scored as (
    select * from {{ ref('taxi_tip_scored') }}
),

baseline as (
    select * from {{ ref('taxi_tip_baseline') }}
),

champion as (
    select avg(absolute_error) as champion_test_mean_absolute_error
    from scored
),

reference_predictors as (
    select
        candidate,
        test_mean_absolute_error
    from baseline
    where is_reference
),

final as (
    select
        reference_predictors.candidate,
        reference_predictors.test_mean_absolute_error,
        champion.champion_test_mean_absolute_error
    from reference_predictors
    cross join champion
)

select * from final
where
    champion_test_mean_absolute_error >= test_mean_absolute_error
    or champion_test_mean_absolute_error is null
