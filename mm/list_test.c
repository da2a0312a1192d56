/*
 * mm/list_test.c - tests of the intrusive list (mm/list.h).
 */
#include "list.h"
#include "test.h"

/* Walks head and checks it holds exactly want[0..n) in order. */
static void
check_order(struct mm_t *t, const struct mm_list *head,
            struct mm_list *const *want, unsigned n)
{
    const struct mm_list *l = head;
    unsigned i;

    for (i = 0; i < n; i++) {
        MM_CHECK_PTR_EQ(t, l->next, want[i]);
        MM_CHECK_PTR_EQ(t, l->next->prev, l);
        l = l->next;
    }
    MM_CHECK_PTR_EQ(t, l->next, head);
    MM_CHECK_PTR_EQ(t, head->prev, l);
}

MM_TEST(list, push_append_unlink)
{
    struct mm_list head, a, b, c;

    mm_list_init(&head);
    MM_CHECK(t, mm_list_empty(&head));
    MM_CHECK(t, mm_list_first(&head) == NULL);
    mm_list_push(&head, &b);            /* b */
    mm_list_push(&head, &a);            /* a b */
    mm_list_append(&head, &c);          /* a b c */
    check_order(t, &head, (struct mm_list *[]){ &a, &b, &c }, 3);
    MM_CHECK_PTR_EQ(t, mm_list_first(&head), &a);
    mm_list_unlink(&b);                 /* a c */
    check_order(t, &head, (struct mm_list *[]){ &a, &c }, 2);
    mm_list_unlink(&a);
    mm_list_unlink(&c);
    MM_CHECK(t, mm_list_empty(&head));
    check_order(t, &head, NULL, 0);
}

/* A head copied elsewhere is fixed up by mm_list_moved. */
MM_TEST(list, moved_head)
{
    struct mm_list old, moved, empty_old, empty_moved, a, b;

    mm_list_init(&old);
    mm_list_append(&old, &a);
    mm_list_append(&old, &b);
    moved = old;                        /* a and b still point at old */
    mm_list_moved(&moved, false);
    check_order(t, &moved, (struct mm_list *[]){ &a, &b }, 2);
    mm_list_init(&empty_old);
    empty_moved = empty_old;            /* points at empty_old */
    mm_list_moved(&empty_moved, true);
    MM_CHECK(t, mm_list_empty(&empty_moved));
    MM_CHECK_PTR_EQ(t, empty_moved.prev, &empty_moved);
}
