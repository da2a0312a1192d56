/*
 * mm/list.h - the intrusive doubly linked list every layer uses.
 *
 * A list is a circular ring of struct mm_list links through a sentinel
 * head that belongs to the owner (a zone's free list of one order, a
 * kmalloc bucket, a pool).  The links live inside the listed things
 * themselves - in a free page, a page-table entry, a slab header - so
 * adding and removing cost no memory and O(1) time:
 *
 *     head <-> a <-> b <-> c <-> (back to head)
 *
 * An empty list is a head that points at itself.  A listed thing is
 * found from its link by a cast: every user puts the link first in its
 * struct (checked with MM_STATIC_ASSERT where it is declared).
 *
 * Invariant: for every link l on a list, l->next->prev == l and
 * l->prev->next == l.
 * Bounds: every operation is O(1); nothing here walks a list.
 * Metadata: two pointers per link and per head.
 * Read after: mm/port.h.  Tests: mm/list_test.c.
 */
#ifndef MM_LIST_H
#define MM_LIST_H

#include "port.h"

struct mm_list {
    struct mm_list *next;       /* towards the tail; the head at the end */
    struct mm_list *prev;       /* towards the head */
};

/* Makes head an empty list. */
static MM_INLINE void
mm_list_init(struct mm_list *head)
{
    head->next = head->prev = head;
}

static MM_INLINE bool
mm_list_empty(const struct mm_list *head)
{
    return head->next == head;
}

/* Links n in between prev and next, which are neighbours. */
static MM_INLINE void
mm_list_insert(struct mm_list *n, struct mm_list *prev, struct mm_list *next)
{
    n->next = next;
    n->prev = prev;
    next->prev = n;
    prev->next = n;
}

/* Adds n at the front of the list: the next mm_list_first returns it. */
static MM_INLINE void
mm_list_push(struct mm_list *head, struct mm_list *n)
{
    mm_list_insert(n, head, head->next);
}

/* Adds n at the back of the list. */
static MM_INLINE void
mm_list_append(struct mm_list *head, struct mm_list *n)
{
    mm_list_insert(n, head->prev, head);
}

/* Takes n off whatever list it is on; n's own links are left stale. */
static MM_INLINE void
mm_list_unlink(struct mm_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
}

/* The first link after head, or NULL for an empty list. */
static MM_INLINE struct mm_list *
mm_list_first(const struct mm_list *head)
{
    return head->next == head ? NULL : head->next;
}

/*
 * After a head was copied to a new place (a struct moved by value), its
 * neighbours still point at the old place; this points them at the new
 * one.  An empty list becomes a head pointing at itself again.
 */
static inline void
mm_list_moved(struct mm_list *head, bool was_empty)
{
    if (was_empty) {
        mm_list_init(head);
    } else {
        head->next->prev = head;
        head->prev->next = head;
    }
}

#endif /* MM_LIST_H */
