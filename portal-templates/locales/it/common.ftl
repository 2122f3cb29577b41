welcome = Benvenuti da { $name }
