"""The ground every domain package stands on: database, settings, clock, errors,
vocabulary, hash chains. It imports no domain package."""
