"""The demo store's own data: customers, products, orders, shipments, returns.

``StoreRepository`` is the storage seam (SQL and in-memory implementations);
``StoreService`` holds the business rules (who may cancel what, return windows)
so both storages behave the same.
"""
