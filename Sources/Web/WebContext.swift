import Events
import Store

/// What the web pages read: the same store, event hub and caches the line server uses, so a
/// result appears on the projector and in `WATCH` from one publication.
public struct WebContext: Sendable {
    public let store: ClassroomStore
    public let hub: EventHub
    public let scoreboards: ScoreboardCache
    public let catalog: CatalogCache

    public init(store: ClassroomStore, hub: EventHub, scoreboards: ScoreboardCache, catalog: CatalogCache) {
        self.store = store
        self.hub = hub
        self.scoreboards = scoreboards
        self.catalog = catalog
    }
}
