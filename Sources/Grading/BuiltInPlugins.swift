import ClusterPlugin
import ConcurrencyPlugin
import HTTPPlugin
import MaelstromPlugin
import PluginKit
import ProcessPlugin
import PythonTestsPlugin
import TCPPlugin
import UDPPlugin

/// The plugins compiled into the grader. Each lives in its own module under `grader/`.
enum BuiltInPlugins {
    static var all: [any ScenarioPlugin] {
        [
            TCPPlugin(),
            UDPPlugin(),
            ConcurrencyPlugin(),
            ProcessPlugin(),
            PythonTestsPlugin(),
            ClusterPlugin(),
            HTTPPlugin(),
            MaelstromPlugin(),
        ]
    }
}
