"""A migration's progress as read from libvirt's job statistics (pure)."""

from __future__ import annotations

from components.providers.job_progress import job_figures


def test_job_statistics_give_data_remaining_and_the_dirty_rate():
    stats = {
        "type": 2,
        "data_total": 4 * 1024**3,
        "data_processed": 1024**3,
        "data_remaining": 3 * 1024**3,
        "memory_dirty_rate": 2560,  # pages per second
        "memory_page_size": 4096,
        "disk_remaining": 512 * 1024**2,
    }
    done, total, detail = job_figures(stats)
    assert (done, total) == (1024**3, 4 * 1024**3)
    assert detail == "3.0 GiB left, memory dirtied at 10.0 MiB/s, disks: 512.0 MiB left"


def test_an_idle_job_says_nothing_it_does_not_know():
    assert job_figures({"type": 0}) == (None, None, "")
    assert job_figures({"data_processed": 5, "data_remaining": 0}) == (5.0, None, "0 B left")
