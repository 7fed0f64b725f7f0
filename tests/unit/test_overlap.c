/*
** test_overlap.c — interval algebra and the StepTraceTime numbers on the
** worked examples of analyses.md §5.1 and on cases worked out by hand.
*/
#include "check.h"
#include "interval.h"
#include "overlap.h"
#include "steps.h"

static void test_merge(void)
{
    cs_range a[] = {{2, 4}, {1, 3}};
    CHECK_INT(cs_ranges_merge(a, 2), 1);
    CHECK_INT(a[0].start, 1);
    CHECK_INT(a[0].end, 4);

    cs_range b[] = {{1, 5}, {2, 3}};
    CHECK_INT(cs_ranges_merge(b, 2), 1);
    CHECK_INT(b[0].end, 5);

    /* touching ranges merge; zero-length ranges survive on their own */
    cs_range c[] = {{45, 50}, {35, 45}, {60, 60}, {70, 80}};
    CHECK_INT(cs_ranges_merge(c, 4), 3);
    CHECK_INT(c[0].start, 35);
    CHECK_INT(c[0].end, 50);
    CHECK_INT(c[1].start, 60);
    CHECK_INT(c[1].end, 60);
    CHECK_INT(cs_ranges_length(c, 3), 25);
}

static void test_pure_comm_and_free(void)
{
    /* comm [1,2], compute [3,4]: pure comm 1, free [2,3] = 1 */
    cs_range m[] = {{1, 2}}, c[] = {{3, 4}};
    int64_t both = cs_ranges_intersection_length(m, 1, c, 1);
    CHECK_INT(1 - both, 1);
    CHECK_INT(cs_ranges_span(c, 1, m, 1) - (1 + 1 - both), 1);

    /* comm [1,3], compute [2,4]: pure comm 1, no free time */
    cs_range m2[] = {{1, 3}}, c2[] = {{2, 4}};
    both = cs_ranges_intersection_length(m2, 1, c2, 1);
    CHECK_INT(2 - both, 1);
    CHECK_INT(cs_ranges_span(c2, 1, m2, 1) - (2 + 2 - both), 0);
    CHECK_INT(cs_ranges_span(NULL, 0, NULL, 0), 0);
}

static cs_device_range R(int64_t s, int64_t e, bool recv)
{
    cs_device_range r = {s, e, 0, recv};
    return r;
}

static void test_msprof_adapter_example(void)
{
    /* analyses.md §5.1 "msprof DB adapter": comm [10,20] send, [25,30]
    ** receive, [35,45], [45,50]; compute [0,10], [15,20], [25,35]. */
    cs_device_range comm[] = {R(10, 20, false), R(25, 30, true), R(35, 45, false), R(45, 50, false)};
    cs_device_range comp[] = {R(0, 10, false), R(15, 20, false), R(25, 35, false)};
    cs_step step = {true, 1, 0, 100, 0, 100, -7, false};
    int64_t v[CS_OV_NVALUES];
    cs_overlap_values(&step, comp, 3, comm, 4, v);
    CHECK_INT(v[CS_OV_COMPUTING], 25);
    CHECK_INT(v[CS_OV_COMMUNICATION], 30);
    CHECK_INT(v[CS_OV_COMM_NOT_OVERLAPPED], 20);
    CHECK_INT(v[CS_OV_OVERLAPPED], 10);
    CHECK_INT(v[CS_OV_FREE], 5);
    CHECK_INT(v[CS_OV_BUBBLE], 5);
    CHECK_INT(v[CS_OV_STAGE], 45);          /* span 50 − bubble 5 */
    CHECK_INT(v[CS_OV_COMM_NOT_OVERLAPPED_EXCL_RECEIVE], 15);
    CHECK_INT(v[CS_OV_PREPARING], 7);       /* first task 0 − FWK_START −7 */
}

static void test_window_and_preparing(void)
{
    /* Window [100, 200): a range starting at 200 belongs to the next step,
    ** one starting at 100 to this one even if it ends past END. */
    cs_device_range comp[] = {R(100, 150, false), R(200, 260, false), R(90, 120, false)};
    cs_device_range comm[] = {R(140, 210, false), R(95, 99, false)};
    cs_step s1 = {true, 1, 80, 190, 100, 200, 80, false};
    int64_t v[CS_OV_NVALUES];
    cs_overlap_values(&s1, comp, 3, comm, 2, v);
    /* C = [100,150]; M = [140,210]: both 10; union 110; span 100..210 */
    CHECK_INT(v[CS_OV_COMPUTING], 50);
    CHECK_INT(v[CS_OV_COMMUNICATION], 70);
    CHECK_INT(v[CS_OV_COMM_NOT_OVERLAPPED], 60);
    CHECK_INT(v[CS_OV_FREE], 0);
    CHECK_INT(v[CS_OV_STAGE], 110);
    CHECK_INT(v[CS_OV_PREPARING], 20);      /* 100 − 80 */

    /* Only communication in the window: preparing is 0 (reference quirk) */
    cs_step s2 = {true, 2, 0, 0, 0, 100, -50, false};
    cs_device_range comm2[] = {R(10, 30, false), R(50, 60, true)};
    cs_overlap_values(&s2, NULL, 0, comm2, 2, v);
    CHECK_INT(v[CS_OV_COMPUTING], 0);
    CHECK_INT(v[CS_OV_COMMUNICATION], 30);
    CHECK_INT(v[CS_OV_FREE], 20);           /* span 50 − 30 */
    CHECK_INT(v[CS_OV_BUBBLE], 10);
    CHECK_INT(v[CS_OV_COMM_NOT_OVERLAPPED_EXCL_RECEIVE], 20);
    CHECK_INT(v[CS_OV_PREPARING], 0);

    /* A communication op that starts before the first compute kernel sets
    ** the first task. */
    cs_step s3 = {true, 3, 0, 0, 0, 100, 2, false};
    cs_device_range comp3[] = {R(20, 30, false)};
    cs_device_range comm3[] = {R(5, 8, false)};
    cs_overlap_values(&s3, comp3, 1, comm3, 1, v);
    CHECK_INT(v[CS_OV_PREPARING], 3);
    CHECK_INT(v[CS_OV_FREE], 12);           /* span 25 − 13 */
}

static void test_rows_per_device_and_step(void)
{
    cs_step steps[] = {{true, 2, 0, 0, 100, 200, 100, false}, {true, 1, 0, 0, 0, 100, 0, false}};
    cs_device_range comp[] = {{150, 160, 1, false}, {10, 20, 0, false}, {110, 130, 0, false}};
    cs_device_range comm[] = {{20, 40, 0, false}};
    cs_overlap_rows rows = {0};
    cs_overlap_compute(steps, 2, comp, 3, comm, 1, &rows);
    CHECK_INT(rows.len, 4);
    /* ordered by step id, then device */
    CHECK_INT(rows.items[0].step_id, 1);
    CHECK_INT(rows.items[0].device, 0);
    CHECK_INT(rows.items[0].v[CS_OV_COMPUTING], 10);
    CHECK_INT(rows.items[0].v[CS_OV_COMMUNICATION], 20);
    CHECK_INT(rows.items[1].step_id, 1);
    CHECK_INT(rows.items[1].device, 1);
    CHECK_INT(rows.items[1].v[CS_OV_COMPUTING], 0);
    CHECK_INT(rows.items[2].step_id, 2);
    CHECK_INT(rows.items[2].v[CS_OV_COMPUTING], 20);
    CHECK_INT(rows.items[3].device, 1);
    CHECK_INT(rows.items[3].v[CS_OV_COMPUTING], 10);
    free(rows.items);
}

static void test_step_builder(void)
{
    /* Host steps [1000,2000], [2000,3000]; launches at 1100 (conn 7) and
    ** 2500 (conn 9); conn 7's tasks run 1300..1400 and 1350..2100 (past the
    ** host end), conn 9's 2600..2700; conn 5 has no launch row. */
    cs_step steps[] = {{true, 2, 2000, 3000, 0, 0, 0, false}, {true, 1, 1000, 2000, 0, 0, 0, false}};
    cs_launch launches[] = {{9, 2500, 2510}, {7, 1100, 1110}};
    cs_step_builder b;
    cs_step_builder_init(&b, steps, 2, launches, 2);
    cs_step_builder_add_task(&b, 7, 1300, 1400);
    cs_step_builder_add_task(&b, 7, 1350, 2100);
    cs_step_builder_add_task(&b, 9, 2600, 2700);
    cs_step_builder_add_task(&b, 7, 1290, 1295);  /* backwards: past the lookup hint */
    cs_step_builder_add_task(&b, 5, 10, 20);
    cs_step_builder_finish(&b);
    CHECK_INT(steps[0].id, 1);
    CHECK_INT(steps[0].start, 1290);
    CHECK_INT(steps[0].end, 2100);
    CHECK_INT(steps[0].fwk_start, 1000);
    CHECK_INT(steps[1].start, 2600);
    CHECK_INT(steps[1].end, 3000);
    CHECK_INT(b.first_launched_task, 1290);
    cs_step_builder_free(&b);

    cs_step none = cs_step_no_steps(INT64_MAX, true, 0);
    CHECK_INT(none.start, 0);
    CHECK(!none.has_id);
    CHECK_INT(none.end, INT64_MAX);

    /* No step and no framework op: preparing is 0, not first task − 0
    ** (torch_npu: "if first_fwk_op else 0"). */
    cs_step bare = cs_step_no_steps(500, false, 0);
    cs_device_range comp[] = {{700, 800, 0, false}};
    int64_t v[CS_OV_NVALUES];
    cs_overlap_values(&bare, comp, 1, NULL, 0, v);
    CHECK_INT(bare.start, 500);
    CHECK_INT(v[CS_OV_COMPUTING], 100);
    CHECK_INT(v[CS_OV_PREPARING], 0);
    cs_step with_op = cs_step_no_steps(500, true, 650);
    cs_overlap_values(&with_op, comp, 1, NULL, 0, v);
    CHECK_INT(v[CS_OV_PREPARING], 50);
}

int main(void)
{
    test_merge();
    test_pure_comm_and_free();
    test_msprof_adapter_example();
    test_window_and_preparing();
    test_rows_per_device_and_step();
    test_step_builder();
    return check_report();
}
