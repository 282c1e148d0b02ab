"""Tools for working on convosift itself: not part of the product's surface."""
