"""Django database backends."""
